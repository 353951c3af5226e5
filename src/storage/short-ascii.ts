// Decoding short ASCII byte strings in JavaScript. A native decoding call
// (Buffer#toString) costs more than building a handful of characters by hand,
// and short ASCII strings are what keys, numbers and names usually are.

/** Longest string built by hand; V8 keeps concatenations this short flat (no rope). */
export const SHORT_ASCII_MAX = 12;

/** bytes[start, end) as a string when all ASCII (at most SHORT_ASCII_MAX bytes), else null. */
export function shortAscii(bytes: Uint8Array, start: number, end: number): string | null {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c >= 0x80) return null;
    s += String.fromCharCode(c);
  }
  return s;
}
