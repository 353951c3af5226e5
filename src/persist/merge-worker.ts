// Worker thread of shard compaction: merging a large shard's parts takes
// seconds of CPU, which must not block the server's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { mergeParts } from './part.js';

export interface MergeRequest {
  parts: { bytes: Uint8Array; object: string }[];
  time: number;
}

export type MergeResult = { ok: true; parts: Uint8Array[] } | { ok: false; error: string };

const request = workerData as MergeRequest;
try {
  const parts = mergeParts(request.parts, request.time);
  parentPort?.postMessage({ ok: true, parts } satisfies MergeResult, parts.map((p) => p.buffer as ArrayBuffer));
} catch (err) {
  parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies MergeResult);
}
