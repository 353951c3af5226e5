// to_char(numeric, format): PostgreSQL's numeric template patterns
// 9 0 . D , G S MI PR FM and literal text. A template is compiled once.
import { Decimal } from './decimal.js';

type Piece =
  | { kind: 'digit'; zero: boolean }
  | { kind: 'point' }
  | { kind: 'group' }
  | { kind: 'sign'; style: 'S' | 'MI' | 'PL' | 'SG' }
  | { kind: 'literal'; text: string };

interface Template {
  pieces: Piece[];
  fillMode: boolean;
  angleBrackets: boolean;
  intDigits: number;
  fracDigits: number;
  /** Index (among integer digit positions, from the left) of the first '0': zero padding starts there. */
  firstZero: number;
}

function parseTemplate(format: string): Template {
  const pieces: Piece[] = [];
  let fillMode = false;
  let angleBrackets = false;
  let seenPoint = false;
  let intDigits = 0;
  let fracDigits = 0;
  let firstZero = Infinity;
  for (let i = 0; i < format.length; ) {
    const rest = format.slice(i).toUpperCase();
    if (rest.startsWith('FM')) {
      fillMode = true;
      i += 2;
    } else if (rest.startsWith('PR')) {
      angleBrackets = true;
      i += 2;
    } else if (rest.startsWith('MI') || rest.startsWith('PL') || rest.startsWith('SG')) {
      pieces.push({ kind: 'sign', style: rest.slice(0, 2) as 'MI' | 'PL' | 'SG' });
      i += 2;
    } else if (rest[0] === '9' || rest[0] === '0') {
      if (rest[0] === '0' && !seenPoint) firstZero = Math.min(firstZero, intDigits);
      pieces.push({ kind: 'digit', zero: rest[0] === '0' });
      if (seenPoint) fracDigits++;
      else intDigits++;
      i++;
    } else if ((rest[0] === '.' || rest[0] === 'D') && !seenPoint) {
      seenPoint = true;
      pieces.push({ kind: 'point' });
      i++;
    } else if (rest[0] === ',' || rest[0] === 'G') {
      pieces.push({ kind: 'group' });
      i++;
    } else if (rest[0] === 'S') {
      pieces.push({ kind: 'sign', style: 'S' });
      i++;
    } else if (format[i] === '"') {
      const end = format.indexOf('"', i + 1);
      pieces.push({ kind: 'literal', text: end < 0 ? format.slice(i + 1) : format.slice(i + 1, end) });
      i = end < 0 ? format.length : end + 1;
    } else {
      pieces.push({ kind: 'literal', text: format[i]! });
      i++;
    }
  }
  return { pieces, fillMode, angleBrackets, intDigits, fracDigits, firstZero };
}

/** Compiles a numeric to_char template into a formatter. */
export function compileNumberFormat(format: string): (value: Decimal) => string {
  const t = parseTemplate(format);
  const hasSign = t.pieces.some((p) => p.kind === 'sign');
  return (value) => {
    const negative = value.isNegative() && !value.isZero();
    const rounded = value.isFinite() ? value.abs().toDecimalPlaces(t.fracDigits, Decimal.ROUND_HALF_UP) : value.abs();
    const [intText = '', fracText = ''] = rounded.isFinite() ? rounded.toFixed(t.fracDigits).split('.') : [];
    const overflow = !rounded.isFinite() || (intText !== '0' && intText.length > t.intDigits);
    const intValue = intText === '0' ? '' : intText;
    let out = '';
    let intIndex = 0;
    let fracIndex = 0;
    let started = false; // a digit (or forced zero) has been written in the integer part
    let signWritten = false;
    // A sign written before the digits ('S9999') sits right before the first digit, like the default sign.
    let anchoredSign = '';
    const leadingSign = () => {
      if (signWritten) return '';
      signWritten = true;
      if (anchoredSign !== '') return anchoredSign;
      if (hasSign || t.angleBrackets) return '';
      return negative ? '-' : t.fillMode ? '' : ' ';
    };
    for (const p of t.pieces) {
      switch (p.kind) {
        case 'digit': {
          if (intIndex < t.intDigits) {
            const fromRight = t.intDigits - intIndex;
            const digit = overflow ? '#' : fromRight <= intValue.length ? intValue[intValue.length - fromRight]! : undefined;
            const forced = intIndex >= t.firstZero || (fromRight === 1 && t.fracDigits === 0 && intValue === '');
            intIndex++;
            if (digit !== undefined || forced) {
              if (!started) out += leadingSign();
              started = true;
              out += digit ?? '0';
            } else if (!t.fillMode) out += ' ';
          } else {
            const d = overflow ? '#' : fracText[fracIndex]!;
            fracIndex++;
            out += d;
          }
          break;
        }
        case 'point':
          if (!started) out += leadingSign();
          started = true;
          out += '.';
          break;
        case 'group':
          out += started ? ',' : t.fillMode ? '' : ' ';
          break;
        case 'sign':
          if ((p.style === 'S' || p.style === 'SG') && !started && intIndex === 0) anchoredSign = negative ? '-' : '+';
          else if (p.style === 'S' || p.style === 'SG') out += negative ? '-' : '+';
          else if (p.style === 'MI') out += negative ? '-' : t.fillMode ? '' : ' ';
          else out += negative ? (t.fillMode ? '' : ' ') : '+';
          break;
        case 'literal':
          out += p.text;
          break;
      }
    }
    if (!started && !hasSign && !t.angleBrackets) out = leadingSign() + out;
    if (t.fillMode && t.fracDigits > 0) {
      // FM drops the trailing zeros that '9' fraction positions produced (and a bare point).
      const lastForced = t.pieces.filter((p) => p.kind === 'digit').slice(t.intDigits).map((p) => (p as { zero: boolean }).zero).lastIndexOf(true);
      const pointAt = out.lastIndexOf('.');
      if (pointAt >= 0) {
        let end = out.length;
        const keep = pointAt + 1 + (lastForced + 1);
        while (end > keep && out[end - 1] === '0') end--;
        out = out.slice(0, end);
      }
    }
    if (t.angleBrackets) out = negative ? `<${out}>` : t.fillMode ? out : ` ${out} `;
    return out;
  };
}
