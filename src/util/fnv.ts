/**
 * FNV-1a, 64 bits, as 16 hex digits: a stable short name for cache files that a lookup can compute
 * without loading node:crypto (~5 ms of a ~20 ms start). Not for anything an attacker chooses to collide:
 * what is stored under the name says what it is for, and is checked when read.
 */
export function fnv1a64(text: string): string {
  // Two 32-bit halves, since bit operations in JavaScript are 32-bit.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const byte of Buffer.from(text, 'utf8')) {
    lo = (lo ^ byte) >>> 0;
    // × 0x100000001b3 = × 2^40 + × 0x1b3, kept to 64 bits
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    const newLo = loMul >>> 0;
    hi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
