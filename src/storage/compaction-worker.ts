// Worker thread of shard compaction: consolidating a large log takes seconds
// of CPU, which must not block the server's event loop. It reads the log up to
// a frame boundary, writes the consolidated records to a new file and fsyncs
// it; the shard then appends what was written meanwhile and swaps it in.
import { parentPort, workerData } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import { FramedLog, scanFramesFromStart } from './framed-log.js';
import { compactRecords } from './shard-record.js';

export interface CompactionRequest {
  /** The log to compact. */
  logPath: string;
  /** Compact the records before this byte offset (a frame boundary). */
  end: number;
  /** Where to write the compacted log. */
  outPath: string;
}

export type CompactionResult = { ok: true } | { ok: false; error: string };

async function compact(request: CompactionRequest): Promise<void> {
  const data = await readFile(request.logPath);
  const records = scanFramesFromStart(data.subarray(0, request.end));
  await FramedLog.writeLogFile(request.outPath, compactRecords(records));
}

const request = workerData as CompactionRequest;
compact(request).then(
  () => parentPort?.postMessage({ ok: true } satisfies CompactionResult),
  (err: unknown) => parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies CompactionResult),
);
