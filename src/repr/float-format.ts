// Shortest round-trip float output exactly as PostgreSQL's Ryu port prints
// it (extra_float_digits >= 1). Two details differ from JavaScript's own
// shortest formatting, so exact arithmetic decides them:
// - a decimal lying exactly halfway to a neighbouring float is not accepted
//   (V8 accepts it: 43593441224187904 prints 4.35934412241879e+16 in JS but
//   4.3593441224187904e+16 in PostgreSQL);
// - among equally short candidates a tie rounds half to even.

const scratch = new DataView(new ArrayBuffer(8));

/** |f| = mantissa * 2^exponent exactly, plus the neighbouring floats' gaps. */
interface Decomposed {
  mantissa: bigint;
  exponent: number;
  /** Whether the gap below is half the gap above (mantissa is a power of two). */
  narrowBelow: boolean;
}

function decompose(f: number, single: boolean): Decomposed {
  const a = Math.abs(f);
  if (single) {
    scratch.setFloat32(0, a);
    const bits = scratch.getUint32(0);
    const biased = bits >>> 23;
    const fraction = bits & 0x7fffff;
    if (biased === 0) return { mantissa: BigInt(fraction), exponent: -149, narrowBelow: false };
    return { mantissa: BigInt(fraction | 0x800000), exponent: biased - 150, narrowBelow: fraction === 0 && biased > 1 };
  }
  scratch.setFloat64(0, a);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const biased = hi >>> 20;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mantissa: fraction, exponent: -1074, narrowBelow: false };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075, narrowBelow: fraction === 0n && biased > 1 };
}

const TEN = 10n;

/** Compares q * 10^t with x * 2^e exactly. */
function compareScaled(q: bigint, t: number, x: bigint, e: number): number {
  let a = q;
  let b = x;
  if (t >= 0) a *= TEN ** BigInt(t);
  else b *= TEN ** BigInt(-t);
  if (e >= 0) b <<= BigInt(e);
  else a <<= BigInt(-e);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Round half to even of (v * 2^e) / 10^t. */
function roundScaled(v: bigint, e: number, t: number): bigint {
  let num = v;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (t >= 0) den *= TEN ** BigInt(t);
  else num *= TEN ** BigInt(-t);
  const q = num / den;
  const twice = (num - q * den) * 2n;
  if (twice > den || (twice === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/**
 * Shortest decimal strictly inside the rounding interval of |f|, as
 * "d.ddde+X" (JavaScript's toExponential shape).
 */
function exactShortest(f: number, single: boolean): string {
  const { mantissa, exponent, narrowBelow } = decompose(f, single);
  // Work in units of 2^(exponent - 2) so both midpoints are integers.
  const e = exponent - 2;
  const value = mantissa << 2n;
  const low = value - (narrowBelow ? 1n : 2n);
  const high = value + 2n;
  let k = Math.floor(Math.log10(Math.abs(f)));
  if (compareScaled(1n, k, value, e) > 0) k--;
  else if (compareScaled(1n, k + 1, value, e) <= 0) k++;
  const maxDigits = single ? 9 : 17;
  for (let digits = 1; digits <= maxDigits; digits++) {
    let t = k - digits + 1;
    let q = roundScaled(value, e, t);
    if (q === TEN ** BigInt(digits)) {
      q /= TEN;
      t++;
    }
    if (compareScaled(q, t, low, e) > 0 && compareScaled(q, t, high, e) < 0) {
      let s = q.toString();
      while (s.length > 1 && s.endsWith('0')) {
        s = s.slice(0, -1);
        t++;
      }
      const exp10 = t + s.length - 1;
      return `${f < 0 ? '-' : ''}${s[0]}${s.length > 1 ? `.${s.slice(1)}` : ''}e${exp10 < 0 ? '' : '+'}${exp10}`;
    }
  }
  return single ? Math.fround(f).toExponential(8) : f.toExponential(16);
}

const TWO_POW_53 = 9007199254740992;

/** Shortest digits of a double as PostgreSQL prints them, in toExponential's shape. */
export function shortestFloat8(f: number): string {
  const js = f.toExponential();
  // Below 2^53 a midpoint between doubles needs more than 17 digits, so
  // JavaScript's shortest digits are PostgreSQL's too.
  if (Math.abs(f) < TWO_POW_53) return js;
  const ePos = js.indexOf('e');
  const digits = js.slice(0, ePos).replace('-', '').replace('.', '');
  const t = Number(js.slice(ePos + 1)) - digits.length + 1;
  const { mantissa, exponent, narrowBelow } = decompose(f, false);
  const q = BigInt(digits);
  const e = exponent - 2;
  const value = mantissa << 2n;
  const onBoundary =
    compareScaled(q, t, value - (narrowBelow ? 1n : 2n), e) === 0 || compareScaled(q, t, value + 2n, e) === 0;
  return onBoundary ? exactShortest(f, false) : js;
}

/** Shortest digits of a float4 value as PostgreSQL prints them, in toExponential's shape. */
export function shortestFloat4(f: number): string {
  return exactShortest(Math.fround(f), true);
}
