import fs from 'node:fs';
import { UserError } from '../errors';
import type { Bars } from './bars';

/**
 * The CSV form of bars, both ways: `parseBarsCsv` reads any column order and the common header
 * names strictly, `writeBarsCsv` writes the one canonical layout
 * (timestamp,open,high,low,close,volume with ISO-8601 UTC times).
 *
 * Hand-written rather than csv-parse or papaparse: those build a string array per row, and a
 * million-row file then costs millions of short-lived strings. Here the bytes go straight into
 * the typed-array columns, and a bad value can be reported with its line and column.
 */

/** A market-data file or name the user must fix; the message says where and how. */
export class MarketDataError extends UserError {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
  }
}

export const CANONICAL_COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

const TIME = 0;
const OPEN = 1;
const HIGH = 2;
const LOW = 3;
const CLOSE = 4;
const VOLUME = 5;

const COLUMN_ALIASES: Record<string, number> = {
  timestamp: TIME,
  time: TIME,
  date: TIME,
  datetime: TIME,
  open: OPEN,
  high: HIGH,
  low: LOW,
  close: CLOSE,
  volume: VOLUME,
};

const NL = 10;
const CR = 13;
const COMMA = 44;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const DAY_MS = 86_400_000;

export interface CsvHeader {
  /** Per field of the file: which bar column it fills (0 time … 5 volume), or -1 to ignore it. */
  roles: Int8Array;
  /** The header's own spelling of each field, for error messages. */
  names: string[];
}

/** Reads a header line; aliases are case-insensitive, unknown columns (e.g. "Adj Close") are ignored. */
export function parseHeader(line: string, source: string, lineNo = 1): CsvHeader {
  const names = line.split(',').map((name) => name.trim().replace(/^"(.*)"$/, '$1').trim());
  const roles = new Int8Array(names.length).fill(-1);
  const seen: (string | undefined)[] = [];
  names.forEach((name, field) => {
    const role = COLUMN_ALIASES[name.toLowerCase()];
    if (role === undefined) return;
    if (seen[role] !== undefined) {
      throw new MarketDataError(
        `${source} line ${lineNo}: columns '${seen[role]}' and '${name}' both name the ${CANONICAL_COLUMNS[role]} column; keep one of them.`,
        source,
        lineNo,
      );
    }
    seen[role] = name;
    roles[field] = role;
  });
  const missing = CANONICAL_COLUMNS.filter((_, role) => seen[role] === undefined);
  if (missing.length > 0) {
    throw new MarketDataError(
      `${source} line ${lineNo}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(header is '${line.trim()}'). A market-data CSV needs timestamp (or time, date, datetime), ` +
        'open, high, low, close and volume, in any order.',
      source,
      lineNo,
    );
  }
  return { roles, names };
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

const isBlank = (c: number) => c === SPACE || c === TAB || c === QUOTE;

/** Where the last successful parseNumber stopped: the comma after the field, or the line's end. */
let numberEnd = 0;

/** Integers up to 2^53 are exact doubles, so a mantissa that stays below it was accumulated exactly. */
const EXACT_MANTISSA = 2 ** 53;

/**
 * The decimal number in the field starting at `start` (the field ends at a comma or at `stop`),
 * or NaN. Parsing and finding the field's end are one pass over its bytes. A mantissa below 2^53
 * with a power of ten within ±22 converts exactly by one multiplication or division of two exact
 * doubles (Clinger's fast path); anything else falls back to Number(), also exact.
 */
function parseNumber(b: Buffer, start: number, stop: number): number {
  let p = start;
  while (p < stop && isBlank(b[p])) p++;
  const first = p;
  let negative = false;
  if (p < stop && (b[p] === 45 || b[p] === 43)) negative = b[p++] === 45;
  let mantissa = 0;
  let c = 0;
  const integerStart = p;
  while (p < stop && (c = b[p] - 48) >>> 0 < 10) {
    mantissa = mantissa * 10 + c;
    p++;
  }
  let digits = p - integerStart;
  let scale = 0;
  if (p < stop && b[p] === 46) {
    const fractionStart = ++p;
    while (p < stop && (c = b[p] - 48) >>> 0 < 10) {
      mantissa = mantissa * 10 + c;
      p++;
    }
    digits += p - fractionStart;
    scale = fractionStart - p;
  }
  if (digits === 0) return NaN;
  if (p < stop && (b[p] === 101 || b[p] === 69)) {
    p++;
    let expNegative = false;
    if (p < stop && (b[p] === 45 || b[p] === 43)) expNegative = b[p++] === 45;
    let exponent = 0;
    const exponentStart = p;
    while (p < stop && (c = b[p] - 48) >>> 0 < 10 && p - exponentStart < 6) {
      exponent = exponent * 10 + c;
      p++;
    }
    if (p === exponentStart) return NaN;
    scale += expNegative ? -exponent : exponent;
  }
  const last = p;
  while (p < stop && isBlank(b[p])) p++;
  if (p < stop && b[p] !== COMMA) return NaN;
  numberEnd = p;
  if (mantissa >= EXACT_MANTISSA || scale > 22 || scale < -22) return Number(b.toString('latin1', first, last));
  const value = scale >= 0 ? mantissa * POW10[scale] : mantissa / POW10[-scale];
  return negative ? -value : value;
}

/** Index of the comma ending the field that starts at `p`, or `stop`. */
function fieldEnd(b: Buffer, p: number, stop: number): number {
  while (p < stop && b[p] !== COMMA) p++;
  return p;
}

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
      let d = 0;
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

interface ParseContext {
  source: string;
  buffer: Buffer;
  names: string[];
}

export const NOT_A_TIME = 'is not an ISO-8601 date or date-time (write e.g. 2017-04-19 or 2017-04-19T09:00:00Z)';

/** "data/X.csv line 12, column close: 'abc' is not a number." */
export function valueError(source: string, line: number, column: string, raw: string, why: string): MarketDataError {
  const value = raw.trim();
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return new MarketDataError(`${source} line ${line}, column ${column}: ${shown === '' ? 'empty value' : `'${shown}'`} ${why}.`, source, line, column);
}

export const emptyFileError = (source: string) =>
  new MarketDataError(
    `${source} is empty: a market-data CSV starts with a header such as '${CANONICAL_COLUMNS.join(',')}', then one line per bar.`,
    source,
  );

export const noBarsError = (source: string) => new MarketDataError(`${source} has a header but no bars: add one line per bar below it.`, source);

function badValue(ctx: ParseContext, line: number, field: number, start: number, end: number, why: string): MarketDataError {
  return valueError(ctx.source, line, ctx.names[field], ctx.buffer.toString('utf8', start, end), why);
}

function badBar(ctx: ParseContext, line: number, message: string): MarketDataError {
  return new MarketDataError(`${ctx.source} line ${line}: ${message}.`, ctx.source, line);
}

/** End of the line starting at `from` (index of its '\n', or the buffer's length). */
function lineEnd(b: Buffer, from: number): number {
  const nl = b.indexOf(NL, from);
  return nl === -1 ? b.length : nl;
}

/** Line length without a trailing '\r'. */
const contentEnd = (b: Buffer, start: number, end: number) => (end > start && b[end - 1] === CR ? end - 1 : end);

export interface ParseOptions {
  symbol: string;
  timeframe: string;
  /** How the file is named in error messages, e.g. data/EURUSD_1h.csv. */
  source: string;
}

/**
 * Bars from a whole CSV file. Blank lines are skipped; every other problem (a value that is not a
 * number or date, a wrong field count, times out of order or repeated, a price that is not
 * positive, negative volume, a bar whose open or close lies outside [low, high]) is an error
 * naming the line, and the column where there is one.
 */
export function parseBarsCsv(buffer: Buffer, options: ParseOptions): Bars {
  const b = buffer;
  const { source } = options;
  let pos = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  let lineNo = 0;
  let header: CsvHeader | undefined;
  while (pos < b.length && header === undefined) {
    const end = lineEnd(b, pos);
    lineNo++;
    const text = b.toString('utf8', pos, contentEnd(b, pos, end));
    if (text.trim() !== '') header = parseHeader(text, source, lineNo);
    pos = end + 1;
  }
  if (header === undefined) throw emptyFileError(source);
  const { roles, names } = header;
  const ctx: ParseContext = { source, buffer: b, names };
  const fieldCount = roles.length;

  let capacity = 0;
  for (let p = b.indexOf(NL, pos); p !== -1; p = b.indexOf(NL, p + 1)) capacity++;
  if (pos < b.length && b[b.length - 1] !== NL) capacity++;
  const columns = [0, 1, 2, 3, 4, 5].map(() => new Float64Array(capacity));
  const [time, open, high, low, close] = columns;

  let n = 0;
  let previousLine = 0;
  while (pos < b.length) {
    lineNo++;
    const end = lineEnd(b, pos);
    const stop = contentEnd(b, pos, end);
    if (stop > pos) {
      let p = pos;
      for (let field = 0; field < fieldCount; field++) {
        if (field > 0) {
          if (p === stop) throw fieldCountError(ctx, lineNo, pos, stop, fieldCount);
          p++;
        }
        const role = roles[field];
        if (role > TIME) {
          const value = parseNumber(b, p, stop);
          if (Number.isNaN(value)) throw badValue(ctx, lineNo, field, p, fieldEnd(b, p, stop), 'is not a number');
          if (role === VOLUME ? value < 0 : !(value > 0)) {
            const why = role === VOLUME ? 'is negative: volume must be 0 or more' : 'is not a positive price';
            throw badValue(ctx, lineNo, field, p, numberEnd, why);
          }
          columns[role][n] = value;
          p = numberEnd;
        } else {
          const fieldStop = fieldEnd(b, p, stop);
          if (role === TIME) {
            const t = parseIsoTime(b, p, fieldStop);
            if (Number.isNaN(t)) {
              throw badValue(ctx, lineNo, field, p, fieldStop, NOT_A_TIME);
            }
            time[n] = t;
          }
          p = fieldStop;
        }
      }
      if (p !== stop) throw fieldCountError(ctx, lineNo, pos, stop, fieldCount);
      checkBar(ctx, lineNo, previousLine, n, time, open, high, low, close);
      previousLine = lineNo;
      n++;
    }
    pos = end + 1;
  }
  if (n === 0) throw noBarsError(source);
  const [t, o, h, l, c, v] = n === capacity ? columns : columns.map((column) => column.slice(0, n));
  return { symbol: options.symbol, timeframe: options.timeframe, time: t, open: o, high: h, low: l, close: c, volume: v };
}

function fieldCountError(ctx: ParseContext, line: number, start: number, stop: number, expected: number): MarketDataError {
  let fields = 1;
  for (let p = start; p < stop; p++) if (ctx.buffer[p] === COMMA) fields++;
  return badBar(ctx, line, `${fields} value${fields === 1 ? '' : 's'}, but the header has ${expected} columns (${ctx.names.join(',')})`);
}

function checkBar(
  ctx: ParseContext,
  line: number,
  previousLine: number,
  i: number,
  time: Float64Array,
  open: Float64Array,
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
): void {
  if (i > 0 && !(time[i] > time[i - 1])) {
    throw badBar(
      ctx,
      line,
      time[i] === time[i - 1]
        ? `repeats the timestamp of line ${previousLine} (${formatIsoTime(time[i])}); each bar needs its own time, remove the duplicate`
        : `timestamp ${formatIsoTime(time[i])} is earlier than line ${previousLine}'s ${formatIsoTime(time[i - 1])}; rows must be sorted by time, oldest first`,
    );
  }
  const h = high[i];
  const l = low[i];
  if (h < l) throw badBar(ctx, line, `high ${h} is below low ${l}; each bar needs low ≤ open, close ≤ high`);
  if (open[i] > h || open[i] < l) throw outsideRange(ctx, line, 'open', open[i], l, h);
  if (close[i] > h || close[i] < l) throw outsideRange(ctx, line, 'close', close[i], l, h);
}

function outsideRange(ctx: ParseContext, line: number, name: string, value: number, low: number, high: number): MarketDataError {
  return badBar(ctx, line, `${name} ${value} is outside the bar's range [low ${low}, high ${high}]; each bar needs low ≤ open, close ≤ high`);
}

/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the range of four-digit years. */
const FIRST_ISO_MS = -62_167_219_200_000;
const LAST_ISO_MS = 253_402_300_799_999;

/** Rows per write: large enough that syscalls do not matter, small enough that the string stays short. */
const ROWS_PER_CHUNK = 20_000;

/**
 * Writes bars in the canonical layout. The file appears whole or not at all (written beside the
 * target, then renamed). Numbers are written in JavaScript's shortest round-trip form, so
 * reading the file back gives the same doubles.
 */
export function writeBarsCsv(bars: Bars, file: string): void {
  const { time } = bars;
  if (time.length > 0 && (time[0] < FIRST_ISO_MS || time[time.length - 1] > LAST_ISO_MS)) {
    throw new RangeError(
      `${bars.symbol} ${bars.timeframe}: bars from ${time[0]} to ${time[time.length - 1]} (epoch ms) reach outside the years 0000–9999 that ISO-8601 timestamps can write.`,
    );
  }
  const partial = `${file}.${process.pid}.partial.csv`;
  const fd = fs.openSync(partial, 'w');
  let written = false;
  try {
    fs.writeSync(fd, `${CANONICAL_COLUMNS.join(',')}\n`);
    const { open, high, low, close, volume } = bars;
    let dayStart = NaN;
    let datePrefix = '';
    for (let from = 0; from < time.length; from += ROWS_PER_CHUNK) {
      const to = Math.min(time.length, from + ROWS_PER_CHUNK);
      let chunk = '';
      for (let i = from; i < to; i++) {
        const t = time[i];
        const day = Math.floor(t / DAY_MS) * DAY_MS;
        // Bars of one day share the date text: one Date per day instead of one per row.
        if (day !== dayStart) {
          dayStart = day;
          datePrefix = new Date(day).toISOString().slice(0, 11);
        }
        const stamp = t % 1000 === 0 ? `${datePrefix}${clock(t - day)}Z` : formatIsoTime(t);
        chunk += `${stamp},${open[i]},${high[i]},${low[i]},${close[i]},${volume[i]}\n`;
      }
      fs.writeSync(fd, chunk);
    }
    written = true;
  } finally {
    fs.closeSync(fd);
    if (!written) fs.rmSync(partial, { force: true });
  }
  fs.renameSync(partial, file);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** HH:MM:SS of a time of day in whole seconds. */
function clock(msOfDay: number): string {
  const seconds = msOfDay / 1000;
  return `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
}
