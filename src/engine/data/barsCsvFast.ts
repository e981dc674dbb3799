/**
 * The fast path of the bars CSV reader: one well-formed line of plain numbers and ISO times,
 * parsed straight into the columns. It accepts only what it can parse to exactly the value the
 * full reader gives (parseBarsCsv's per-field parsers); anything else — blanks, signs,
 * exponents, long mantissas, other time forms, a bad value — returns -1, and the line is
 * parsed again by the full reader, which also words the errors. The values are written into
 * the columns rather than returned: a double returned from a call that is not inlined is boxed,
 * one heap number per field.
 */
import { parseIsoTime } from './isoTime';

const NL = 10;
const CR = 13;
const COMMA = 44;
const DASH = 45;
const DOT = 46;
const COLON = 58;
const T = 84;
const Z = 90;
const SPACE = 32;
const TIME = 0;
const VOLUME = 5;

/** 10^0 … 10^15: exact doubles, as the mantissas below 10^15 are. */
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
const MAX_DIGITS = 15;

const isFieldEnd = (c: number) => c === COMMA || c === NL || c === CR;

/**
 * A number of digits with an optional fraction (at most 15 digits in all) at `p`, written to
 * column[i]; returns where the field ends, or -1. The digit loops need no bound: the line ends
 * in '\n' (see readLineFast), which is not a digit. The mantissa is an exact integer below 10^15
 * and the power of ten is exact, so the one division rounds correctly: the value is Number()'s
 * (Clinger's fast path, as in the full reader).
 */
function readNumber(b: Buffer, p: number, column: Float64Array, i: number): number {
  const first = p;
  let mantissa = 0;
  let c: number;
  while ((c = b[p] - 48) >>> 0 < 10) {
    mantissa = mantissa * 10 + c;
    p++;
  }
  let digits = p - first;
  let fraction = 0;
  if (b[p] === DOT) {
    const fractionStart = ++p;
    while ((c = b[p] - 48) >>> 0 < 10) {
      mantissa = mantissa * 10 + c;
      p++;
    }
    fraction = p - fractionStart;
    digits += fraction;
  }
  if (digits === 0 || digits > MAX_DIGITS || !isFieldEnd(b[p])) return -1;
  column[i] = fraction === 0 ? mantissa : mantissa / POW10[fraction];
  return p;
}

const twoDigits = (b: Buffer, p: number) => {
  const high = b[p] - 48;
  const low = b[p + 1] - 48;
  return high >>> 0 < 10 && low >>> 0 < 10 ? high * 10 + low : -1;
};

/** The last date read and its epoch ms: hourly bars repeat a date 24 times. */
let cachedDate = -1;
let cachedDayMs = 0;

/**
 * YYYY-MM-DD, optionally followed by T or a space and HH:MM:SS, optionally Z, at `p`, written
 * to time[i]; returns where the field ends, or -1. The date is checked and converted by
 * parseIsoTime itself (once per distinct date); the time of day adds whole milliseconds, exact
 * integers, as parseIsoTime adds them.
 */
function readTime(b: Buffer, p: number, limit: number, time: Float64Array, i: number): number {
  const dateEnd = p + 10;
  if (dateEnd > limit || b[p + 4] !== DASH || b[p + 7] !== DASH) return -1;
  const century = twoDigits(b, p);
  const year = twoDigits(b, p + 2);
  const month = twoDigits(b, p + 5);
  const day = twoDigits(b, p + 8);
  if ((century | year | month | day) < 0) return -1;
  const date = ((century * 100 + year) * 100 + month) * 100 + day;
  if (date !== cachedDate) {
    const ms = parseIsoTime(b, p, dateEnd);
    if (Number.isNaN(ms)) return -1;
    cachedDate = date;
    cachedDayMs = ms;
  }
  if (dateEnd === limit || isFieldEnd(b[dateEnd])) {
    time[i] = cachedDayMs;
    return dateEnd;
  }
  const separator = b[dateEnd];
  let end = dateEnd + 9;
  if (!(separator === T || separator === SPACE) || end > limit || b[dateEnd + 3] !== COLON || b[dateEnd + 6] !== COLON) return -1;
  const hour = twoDigits(b, dateEnd + 1);
  const minute = twoDigits(b, dateEnd + 4);
  const second = twoDigits(b, dateEnd + 7);
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59)) return -1;
  if (end < limit && b[end] === Z) end++;
  if (end < limit && !isFieldEnd(b[end])) return -1;
  time[i] = cachedDayMs + hour * 3_600_000 + minute * 60_000 + second * 1000;
  return end;
}

/**
 * Parses the line starting at `p` (which ends before `limit`) into row n of the columns, by the
 * header's roles (see CsvHeader). Returns where the next line starts, or -1 when the line needs
 * the full reader. Prices must be positive and volume not negative, as the full reader checks.
 */
export function readLineFast(b: Buffer, p: number, limit: number, roles: Int8Array, columns: Float64Array[], n: number): number {
  // Every scan below stops at a line's '\n'; when the file's last line has none, the lines
  // of its last chunk are left to the full reader.
  if (b[limit - 1] !== NL) return -1;
  const fields = roles.length;
  for (let field = 0; field < fields; field++) {
    if (field > 0) {
      if (b[p] !== COMMA) return -1;
      p++;
    }
    const role = roles[field];
    if (role > TIME) {
      const column = columns[role];
      p = readNumber(b, p, column, n);
      if (p < 0 || (role === VOLUME ? !(column[n] >= 0) : !(column[n] > 0))) return -1;
    } else if (role === TIME) {
      p = readTime(b, p, limit, columns[TIME], n);
      if (p < 0) return -1;
    } else {
      while (!isFieldEnd(b[p])) p++;
    }
  }
  if (b[p] === CR) p++;
  return b[p] === NL ? p + 1 : -1;
}
