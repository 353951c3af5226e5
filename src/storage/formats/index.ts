// Builds the Format for a planned format description.
import type { Format, FormatDesc } from './format.js';
import { bytesFormat, textFormat } from './text.js';
import { jsonFormat } from './json.js';
import { csvFormat } from './csv.js';

export function createFormat(desc: FormatDesc): Format {
  switch (desc.kind) {
    case 'text':
      return textFormat();
    case 'bytes':
      return bytesFormat();
    case 'json':
      return jsonFormat();
    case 'csv':
      return csvFormat(desc.columns, desc.delimiter, desc.header);
  }
}

export type { Decoder, DecodeOutcome, Format, FormatDesc } from './format.js';
export { SKIP_MESSAGE } from './format.js';
