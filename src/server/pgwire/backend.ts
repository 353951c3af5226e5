// Encodes the messages the server sends (except DataRow, in values.ts, and
// COPY rows, in copy-format.ts).
import type { SqlError } from '../../repr/errors.js';
import { typeLength, typeModifier, typeOid } from '../../repr/pgtypes.js';
import type { Notice, ResultColumn, TransactionStatus } from '../../adapter/api.js';
import type { MessageWriter } from './message-writer.js';
import { AuthenticationCode, Backend, ErrorField, type FormatCode } from './protocol.js';

export function writeAuthentication(writer: MessageWriter, code: number): void {
  writer.begin(Backend.authentication).int32(code).end();
}

/** AuthenticationSASL (mechanism names), AuthenticationSASLContinue / SASLFinal (data). */
export function writeAuthenticationSasl(writer: MessageWriter, mechanisms: readonly string[]): void {
  writer.begin(0x52).int32(AuthenticationCode.sasl);
  for (const mechanism of mechanisms) writer.cstring(mechanism);
  writer.byte(0).end();
}

export function writeAuthenticationSaslData(writer: MessageWriter, code: number, data: string): void {
  writer.begin(0x52).int32(code).utf8(data).end();
}

export function writeAuthenticationOk(writer: MessageWriter): void {
  writeAuthentication(writer, AuthenticationCode.ok);
}

export function writeParameterStatus(writer: MessageWriter, name: string, value: string): void {
  writer.begin(Backend.parameterStatus).cstring(name).cstring(value).end();
}

export function writeBackendKeyData(writer: MessageWriter, processId: number, secretKey: number): void {
  writer.begin(Backend.backendKeyData).int32(processId).int32(secretKey).end();
}

export function writeReadyForQuery(writer: MessageWriter, status: TransactionStatus): void {
  writer.begin(Backend.readyForQuery).byte(status.charCodeAt(0)).end();
}

/** `version` is the full protocol code (3 << 16 | minor), as PostgreSQL sends it. */
export function writeNegotiateProtocolVersion(writer: MessageWriter, version: number, unrecognized: string[]): void {
  writer.begin(Backend.negotiateProtocolVersion).int32(version).int32(unrecognized.length);
  for (const option of unrecognized) writer.cstring(option);
  writer.end();
}

/** RowDescription; `formats` null = all text (also what Describe of a statement reports). */
export function writeRowDescription(
  writer: MessageWriter,
  columns: readonly ResultColumn[],
  formats: readonly FormatCode[] | null,
): void {
  writer.begin(Backend.rowDescription).int16(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    writer
      .cstring(column.name)
      .int32(column.tableOid ?? 0)
      .int16(column.columnNumber ?? 0)
      .int32(typeOid(column.type))
      .int16(typeLength(column.type))
      .int32(typeModifier(column.type))
      .int16(formats === null ? 0 : formats[i]);
  }
  writer.end();
}

export function writeParameterDescription(writer: MessageWriter, typeOids: readonly number[]): void {
  writer.begin(Backend.parameterDescription).int16(typeOids.length);
  for (const oid of typeOids) writer.int32(oid);
  writer.end();
}

export function writeCommandComplete(writer: MessageWriter, tag: string): void {
  writer.begin(Backend.commandComplete).cstring(tag).end();
}

/** CopyInResponse / CopyOutResponse: overall format then one code per column. */
export function writeCopyResponse(writer: MessageWriter, type: number, binary: boolean, columnCount: number): void {
  const format = binary ? 1 : 0;
  writer.begin(type).byte(format).int16(columnCount);
  for (let i = 0; i < columnCount; i++) writer.int16(format);
  writer.end();
}

export function writeError(writer: MessageWriter, error: SqlError): void {
  writeReport(writer, Backend.errorResponse, error);
}

export function writeNotice(writer: MessageWriter, notice: Notice): void {
  writeReport(writer, Backend.noticeResponse, notice);
}

interface Report {
  severity: string;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: number;
}

/** ErrorResponse and NoticeResponse share their body: tagged fields, then a NUL. */
function writeReport(writer: MessageWriter, type: number, report: Report): void {
  writer.begin(type);
  writeField(writer, ErrorField.severity, report.severity);
  writeField(writer, ErrorField.severityNonLocalized, report.severity);
  writeField(writer, ErrorField.code, report.code);
  writeField(writer, ErrorField.message, report.message);
  if (report.detail !== undefined) writeField(writer, ErrorField.detail, report.detail);
  if (report.hint !== undefined) writeField(writer, ErrorField.hint, report.hint);
  if (report.position !== undefined) writeField(writer, ErrorField.position, String(report.position));
  writer.byte(0).end();
}

function writeField(writer: MessageWriter, tag: number, value: string): void {
  writer.byte(tag).cstring(value);
}
