// COPY sub-protocols: streaming a RowStream out (COPY ... TO STDOUT, including
// SUBSCRIBE) and feeding the client's data into a CopyInSink (COPY ... FROM STDIN).
import { SqlError, SqlState } from '../../repr/errors.js';
import type { TextOptions } from '../../repr/text.js';
import type { ExecuteResult } from '../../adapter/api.js';
import { writeCommandComplete, writeCopyResponse } from './backend.js';
import { writeCopyEpilogue, writeCopyPrologue, writeCopyRow } from './copy-format.js';
import { ClientGone } from './errors.js';
import { decodeSingleString } from './frontend.js';
import type { MessageReader } from './message-reader.js';
import type { Output } from './output.js';
import { Backend, Frontend } from './protocol.js';

type CopyOutResult = Extract<ExecuteResult, { kind: 'copyOut' }>;
type CopyInResult = Extract<ExecuteResult, { kind: 'copyIn' }>;

export interface CopyOutContext {
  output: Output;
  /** Fires on CancelRequest or disconnect; its reason is the error to report. */
  signal: AbortSignal;
  textOptions: TextOptions;
}

/**
 * Streams rows until the stream ends (CopyDone + CommandComplete) or the
 * signal fires (the stream is closed and the signal's reason thrown).
 */
export async function runCopyOut(result: CopyOutResult, context: CopyOutContext): Promise<void> {
  const { output, signal, textOptions } = context;
  const { stream, columns, format } = result;
  const writer = output.writer;
  let rowCount = 0;
  try {
    writeCopyResponse(writer, Backend.copyOutResponse, format === 'binary', columns.length);
    writeCopyPrologue(writer, format);
    await output.flush();
    for (;;) {
      const rows = await untilAborted(stream.next(), signal);
      if (rows === null) break;
      for (const row of rows) {
        writeCopyRow(writer, row, columns, format, textOptions);
        rowCount++;
        await output.flushIfFull();
      }
      // Each batch goes out at once: SUBSCRIBE clients wait for it.
      await output.flushAndYield();
    }
  } catch (err) {
    stream.close();
    throw err;
  }
  writeCopyEpilogue(writer, format);
  writer.empty(Backend.copyDone);
  writeCommandComplete(writer, result.tagOnEnd(rowCount));
}

export interface CopyInContext {
  output: Output;
  reader: MessageReader;
}

/** Feeds CopyData to the sink until CopyDone (CommandComplete) or CopyFail / an error (thrown). */
export async function runCopyIn(result: CopyInResult, context: CopyInContext): Promise<void> {
  const { output, reader } = context;
  const { sink } = result;
  writeCopyResponse(output.writer, Backend.copyInResponse, result.format === 'binary', result.columns.length);
  await output.flush();
  let finished = false;
  try {
    for (;;) {
      const message = await reader.readMessage();
      if (message === null) throw new ClientGone();
      switch (message.type) {
        case Frontend.copyData:
          sink.write(message.body);
          break;
        case Frontend.copyDone: {
          finished = true;
          const tag = await sink.finish();
          writeCommandComplete(output.writer, tag);
          return;
        }
        case Frontend.copyFail:
          throw new SqlError(SqlState.queryCanceled, `COPY from stdin failed: ${decodeSingleString(message.body)}`);
        case Frontend.flush:
        case Frontend.sync:
          // PostgreSQL ignores these during COPY FROM STDIN.
          break;
        default:
          throw new SqlError(
            SqlState.protocolViolation,
            `unexpected message type 0x${message.type.toString(16).padStart(2, '0').toUpperCase()} during COPY from stdin`,
          );
      }
    }
  } catch (err) {
    if (!finished) sink.abort(err instanceof Error ? err.message : String(err));
    throw err;
  }
}

/** Resolves or rejects like `promise`, unless `signal` fires first (rejects with its reason). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
