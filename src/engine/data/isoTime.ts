/**
 * ISO-8601 times of the bars CSV, both ways, without a Date object per row: the reader
 * (barsCsv.ts and its fast path), the data listing and the synthetic generator share them.
 */

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const DAY_MS = 86_400_000;

/** Blanks around a CSV value: spaces, tabs and the quotes of a quoted field. */
const isBlank = (c: number) => c === SPACE || c === TAB || c === QUOTE;

const digit = (b: Buffer, i: number) => {
  const d = b[i] - 48;
  return d >= 0 && d <= 9 ? d : NaN;
};
const two = (b: Buffer, i: number) => digit(b, i) * 10 + digit(b, i + 1);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): no Date object per row. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719468;
}

/**
 * Epoch ms of an ISO-8601 date or date-time in bytes [start, end), or NaN: YYYY-MM-DD, then
 * optionally T (or a space) HH:MM[:SS[.fff]], then optionally Z or ±HH:MM. A time without a
 * zone is taken as UTC.
 */
export function parseIsoTime(b: Buffer, start: number, end: number): number {
  while (start < end && isBlank(b[start])) start++;
  while (end > start && isBlank(b[end - 1])) end--;
  if (end - start < 10 || b[start + 4] !== 45 || b[start + 7] !== 45) return NaN;
  const year = two(b, start) * 100 + two(b, start + 2);
  const month = two(b, start + 5);
  const day = two(b, start + 8);
  if (!(month >= 1 && month <= 12 && day >= 1)) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (month === 2 && leap ? 1 : 0)) return NaN;
  let ms = daysFromCivil(year, month, day) * DAY_MS;
  let p = start + 10;
  if (p === end) return ms;
  const sep = b[p];
  if (!(sep === 84 || sep === 116 || sep === SPACE) || end - p < 6 || b[p + 3] !== 58) return NaN;
  const hour = two(b, p + 1);
  const minute = two(b, p + 4);
  if (!(hour <= 23 && minute <= 59)) return NaN;
  ms += hour * 3_600_000 + minute * 60_000;
  p += 6;
  if (p < end && b[p] === 58) {
    if (p + 3 > end) return NaN;
    const second = two(b, p + 1);
    if (!(second <= 59)) return NaN;
    ms += second * 1000;
    p += 3;
    if (p < end && b[p] === 46) {
      p++;
      let weight = 100;
      const first = p;
      let d: number;
      while (p < end && (d = digit(b, p)) >= 0) {
        ms += d * weight;
        weight /= 10;
        p++;
      }
      if (p === first) return NaN;
    }
  }
  if (p === end) return ms;
  const zone = b[p];
  if ((zone === 90 || zone === 122) && p + 1 === end) return ms;
  if (zone !== 43 && zone !== 45) return NaN;
  const compact = end - p === 5;
  if (!(compact || (end - p === 6 && b[p + 3] === 58))) return NaN;
  const offset = two(b, p + 1) * 60 + two(b, p + (compact ? 3 : 4));
  if (!(offset <= 24 * 60)) return NaN;
  return zone === 43 ? ms - offset * 60_000 : ms + offset * 60_000;
}

/** Epoch ms as written in the canonical layout (seconds precision, milliseconds only if present). */
export function formatIsoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % 1000 === 0 ? `${iso.slice(0, 19)}Z` : iso;
}

