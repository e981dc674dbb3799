/**
 * Codes that hide a number: a bijection of the numbers below 2³⁴ written in 7 base-36 digits,
 * so that a synthetic market can be named without saying what it is (SYN_BLIND_<code>). A
 * designer that reads `SYN_TREND3_4` knows a trend was planted there; one that reads
 * `SYN_BLIND_8K2QZ1M` does not, and neither do neighbouring seeds give neighbouring codes.
 *
 * Rounds of xor-shift and multiplication by an odd constant (modelled on MurmurHash3's 64-bit
 * finaliser, on 34 bits) mix every bit into every other, and each round is invertible. This hides, it does
 * not encrypt: anyone with this file can decode a name, and that is the point — the bench
 * and the tests map the names back.
 */
const BITS = 34n;
const MASK = (1n << BITS) - 1n;
const SHIFTS = [17n, 15n, 16n] as const;
const MULTIPLIERS = [0x2ff51afd7n, 0x1c4ceb9ffn] as const;
const DIGITS = 7;

/** The inverse of an odd number modulo 2³⁴, by Newton's iteration (each step doubles the correct bits). */
function inverseOdd(a: bigint): bigint {
  let x = a;
  for (let i = 0; i < 6; i++) x = (x * (2n - a * x)) & MASK;
  return x;
}

const INVERSES = MULTIPLIERS.map(inverseOdd);

const xorShift = (x: bigint, s: bigint) => x ^ (x >> s);

/** Undoes x ^= x >> s: each pass recovers s more of the top bits. */
function unXorShift(y: bigint, s: bigint): bigint {
  let x = y;
  for (let known = s; known < BITS; known += s) x = y ^ (x >> s);
  return x;
}

/** The largest number a code holds, plus one. */
export const BLIND_CODE_LIMIT = Number(1n << BITS);

export function blindCode(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= BLIND_CODE_LIMIT) throw new RangeError(`blindCode takes a whole number below 2^34, got ${n}`);
  let x = BigInt(n);
  x = (xorShift(x, SHIFTS[0]) * MULTIPLIERS[0]) & MASK;
  x = (xorShift(x, SHIFTS[1]) * MULTIPLIERS[1]) & MASK;
  x = xorShift(x, SHIFTS[2]);
  return x.toString(36).toUpperCase().padStart(DIGITS, '0');
}

/** The number a code hides; undefined for text that is no code. */
export function unblindCode(code: string): number | undefined {
  if (!/^[0-9A-Za-z]{1,7}$/.test(code)) return undefined;
  let x = [...code.toLowerCase()].reduce((acc, c) => acc * 36n + BigInt(parseInt(c, 36)), 0n);
  if (x > MASK) return undefined;
  x = unXorShift(x, SHIFTS[2]);
  x = unXorShift((x * INVERSES[1]) & MASK, SHIFTS[1]);
  x = unXorShift((x * INVERSES[0]) & MASK, SHIFTS[0]);
  return Number(x);
}
