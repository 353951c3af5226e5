// A debugging hook for memory measurements (bench/serving.ts): with
// FRESHET_DEBUG_HEAP=1 and node's --expose-gc, SIGUSR2 makes the server run
// a full garbage collection and log its heap (`{"msg":"heap",...}` with
// process.memoryUsage()'s figures), so bytes per row of state are read from
// live objects only, not from RSS (which keeps freed pages and garbage).
// Off by default: nothing is installed without the variable.
import type { Logger } from './logger.js';

export function installHeapProbe(logger: Logger): void {
  if (process.env.FRESHET_DEBUG_HEAP !== '1') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    logger.warn('FRESHET_DEBUG_HEAP needs node --expose-gc; the heap probe is off');
    return;
  }
  process.on('SIGUSR2', () => {
    gc();
    gc();
    const usage = process.memoryUsage();
    logger.info(
      { heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers, rss: usage.rss },
      'heap',
    );
  });
}
