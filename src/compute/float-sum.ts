// An exact, invertible sum of doubles. Every finite double is an integer
// multiple of 2^-1074, so scaling by 2^1074 turns the sum into a bigint sum:
// adding and retracting never drifts, and the result is the correctly rounded
// exact sum whatever the order of updates.
const float = new Float64Array(1);
const bits = new BigUint64Array(float.buffer);
const MANTISSA_MASK = (1n << 52n) - 1n;

function scaled(x: number): bigint {
  float[0] = x;
  const b = bits[0]!;
  const exponent = Number((b >> 52n) & 0x7ffn);
  let mantissa = b & MANTISSA_MASK;
  if (exponent !== 0) mantissa = (mantissa | (1n << 52n)) << BigInt(exponent - 1);
  return b >> 63n === 1n ? -mantissa : mantissa;
}

function bitLength(a: bigint): number {
  const hex = a.toString(16);
  return (hex.length - 1) * 4 + Math.clz32(0) - Math.clz32(parseInt(hex[0]!, 16));
}

function unscaled(sum: bigint): number {
  if (sum === 0n) return 0;
  const negative = sum < 0n;
  const a = negative ? -sum : sum;
  const shift = Math.max(0, bitLength(a) - 64);
  let top = a >> BigInt(shift);
  // A sticky bit keeps round-to-nearest-even exact when bits are shifted out.
  if (shift > 0 && top << BigInt(shift) !== a) top |= 1n;
  const magnitude = Number(top) * Math.pow(2, shift - 1074);
  return negative ? -magnitude : magnitude;
}

export class ExactFloatSum {
  private sum = 0n;
  private positiveInfinities = 0;
  private negativeInfinities = 0;
  private nans = 0;

  add(x: number, diff: number): void {
    if (Number.isFinite(x)) {
      if (x !== 0) this.sum += scaled(x) * BigInt(diff);
    } else if (Number.isNaN(x)) this.nans += diff;
    else if (x > 0) this.positiveInfinities += diff;
    else this.negativeInfinities += diff;
  }

  /** True when every addition has been cancelled out (nothing is held). */
  isEmpty(): boolean {
    return this.sum === 0n && this.positiveInfinities === 0 && this.negativeInfinities === 0 && this.nans === 0;
  }

  value(): number {
    if (this.nans > 0 || (this.positiveInfinities > 0 && this.negativeInfinities > 0)) return NaN;
    if (this.positiveInfinities > 0) return Infinity;
    if (this.negativeInfinities > 0) return -Infinity;
    return unscaled(this.sum);
  }
}
