/**
 * The CSV form of bars, both ways: `parseBarsCsv` reads any column order and the common header
 * names strictly, `writeBarsCsv` writes the one canonical layout
 * (timestamp,open,high,low,close,volume with ISO-8601 UTC times).
 *
 * Hand-written rather than csv-parse or papaparse: those build a string array per row, and a
 * million-row file then costs millions of short-lived strings. Here the bytes go straight into
 * the typed-array columns, and a bad value can be reported with its line and column.
 */
import fs from 'node:fs';
import { UserError } from '../../errors';
import type { Bars } from './bars';
import { readLineFast } from './barsCsvFast';
import { formatIsoTime, parseIsoTime } from './isoTime';

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

const CANONICAL_COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

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
  let c: number;
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

/** End of the line starting at `from`: the index of its '\n', or `limit` when it has none before. */
function lineEnd(b: Buffer, from: number, limit: number): number {
  const nl = b.indexOf(NL, from);
  return nl === -1 || nl >= limit ? limit : nl;
}

/** Line length without a trailing '\r'. */
const contentEnd = (b: Buffer, start: number, end: number) => (end > start && b[end - 1] === CR ? end - 1 : end);

/** Reads the file's next bytes into `buffer` from `offset` on; returns how many, 0 at its end. */
export type ReadBytes = (buffer: Buffer, offset: number) => number;

/** Bytes read at a time: the file is never held whole (10⁶ hourly bars are 58 MB of text). */
const CHUNK = 1 << 20;

/**
 * A file's bytes a chunk at a time, handed out as whole lines: after next() returns true,
 * buffer[start, end) holds whole lines (the last line of the file may lack its '\n'). The reader
 * moves `start` on as it consumes them.
 */
class LineChunks {
  buffer: Buffer;
  start = 0;
  end = 0;
  /** Bytes dropped from the buffer's front so far: buffer[i] is the file's byte consumed + i. */
  consumed = 0;
  private filled = 0;
  private atEof = false;

  constructor(
    private readonly read: ReadBytes,
    size: number,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(4096, Math.min(CHUNK, size)));
  }

  next(): boolean {
    for (;;) {
      const nl = this.filled > this.start ? this.buffer.lastIndexOf(NL, this.filled - 1) : -1;
      if (nl >= this.start) {
        this.end = nl + 1;
        return true;
      }
      if (this.atEof) {
        this.end = this.filled;
        return this.filled > this.start;
      }
      this.refill();
    }
  }

  /** Moves the partial line to the front (or doubles the buffer for a line longer than it) and reads on. */
  private refill(): void {
    if (this.start > 0) {
      this.buffer.copy(this.buffer, 0, this.start, this.filled);
      this.consumed += this.start;
      this.filled -= this.start;
      this.start = 0;
      this.end = 0;
    } else if (this.filled === this.buffer.length) {
      const larger = Buffer.allocUnsafe(2 * this.buffer.length);
      this.buffer.copy(larger, 0, 0, this.filled);
      this.buffer = larger;
    }
    const read = this.read(this.buffer, this.filled);
    if (read === 0) this.atEof = true;
    else this.filled += read;
  }
}

export interface ParseOptions {
  symbol: string;
  timeframe: string;
  /** How the file is named in error messages, e.g. data/EURUSD_1h.csv. */
  source: string;
}

/** Rows allocated before the file's own line length can be measured. */
const FIRST_CAPACITY = 4096;

/**
 * Bars from a CSV file of `size` bytes, read through `read` a chunk at a time. Blank lines are
 * skipped; every other problem (a value that is not a number or date, a wrong field count, times
 * out of order or repeated, a price that is not positive, negative volume, a bar whose open or
 * close lies outside [low, high]) is an error naming the line, and the column where there is one.
 * Each line goes through readLineFast first; a line it declines is read field by field here.
 */
export function parseBarsCsv(read: ReadBytes, size: number, options: ParseOptions): Bars {
  const { source } = options;
  const lines = new LineChunks(read, size);
  let lineNo = 0;
  let header: CsvHeader | undefined;
  let first = true;
  while (header === undefined && lines.next()) {
    const b = lines.buffer;
    if (first && lines.end >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) lines.start = 3;
    first = false;
    while (header === undefined && lines.start < lines.end) {
      const end = lineEnd(b, lines.start, lines.end);
      lineNo++;
      const text = b.toString('utf8', lines.start, contentEnd(b, lines.start, end));
      if (text.trim() !== '') header = parseHeader(text, source, lineNo);
      lines.start = Math.min(end + 1, lines.end);
    }
  }
  if (header === undefined) throw emptyFileError(source);
  const { roles, names } = header;
  const ctx: ParseContext = { source, buffer: lines.buffer, names };
  const bodyStart = lines.consumed + lines.start;

  let capacity = FIRST_CAPACITY;
  let columns = [0, 1, 2, 3, 4, 5].map(() => new Float64Array(capacity));
  let n = 0;
  let previousLine = 0;
  while (lines.next()) {
    const b = lines.buffer;
    const limit = lines.end;
    ctx.buffer = b;
    let pos = lines.start;
    while (pos < limit) {
      lineNo++;
      if (n === capacity) {
        // Rows so far per byte so far, over the whole file, plus a margin: usually the only growth.
        const bytes = lines.consumed + pos - bodyStart;
        capacity = Math.max(Math.ceil(((n * (size - bodyStart)) / bytes) * 1.02) + 1024, Math.ceil(n * 1.5));
        columns = columns.map((column) => grown(column, capacity));
      }
      let next = readLineFast(b, pos, limit, roles, columns, n);
      if (next < 0) {
        const end = lineEnd(b, pos, limit);
        next = Math.min(end + 1, limit);
        const stop = contentEnd(b, pos, end);
        if (stop === pos) {
          pos = next;
          continue;
        }
        readFields(ctx, lineNo, pos, stop, roles, columns, n);
      }
      checkBar(ctx, lineNo, previousLine, n, columns);
      previousLine = lineNo;
      n++;
      pos = next;
    }
    lines.start = limit;
  }
  if (n === 0) throw noBarsError(source);
  const [t, o, h, l, c, v] = columns.map((column) => trimmed(column, n));
  return { symbol: options.symbol, timeframe: options.timeframe, time: t, open: o, high: h, low: l, close: c, volume: v };
}

function grown(column: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const larger = new Float64Array(capacity);
  larger.set(column);
  return larger;
}

/** The first n rows: a view when the unused tail is small (no copy of the whole column), else a copy. */
const trimmed = (column: Float64Array, n: number) =>
  column.length - n <= (column.length >> 4) + 1024 ? column.subarray(0, n) : column.slice(0, n);

/** Reads the non-blank line [pos, stop) into row n field by field; throws the error of its first bad value. */
function readFields(ctx: ParseContext, lineNo: number, pos: number, stop: number, roles: Int8Array, columns: Float64Array[], n: number): void {
  const b = ctx.buffer;
  const fieldCount = roles.length;
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
        if (Number.isNaN(t)) throw badValue(ctx, lineNo, field, p, fieldStop, NOT_A_TIME);
        columns[TIME][n] = t;
      }
      p = fieldStop;
    }
  }
  if (p !== stop) throw fieldCountError(ctx, lineNo, pos, stop, fieldCount);
}

function fieldCountError(ctx: ParseContext, line: number, start: number, stop: number, expected: number): MarketDataError {
  let fields = 1;
  for (let p = start; p < stop; p++) if (ctx.buffer[p] === COMMA) fields++;
  return badBar(ctx, line, `${fields} value${fields === 1 ? '' : 's'}, but the header has ${expected} columns (${ctx.names.join(',')})`);
}

/** Order of the times and a consistent bar (low ≤ open, close ≤ high) at row i. */
function checkBar(ctx: ParseContext, line: number, previousLine: number, i: number, columns: Float64Array[]): void {
  const time = columns[TIME];
  if (i > 0 && !(time[i] > time[i - 1])) {
    throw badBar(
      ctx,
      line,
      time[i] === time[i - 1]
        ? `repeats the timestamp of line ${previousLine} (${formatIsoTime(time[i])}); each bar needs its own time, remove the duplicate`
        : `timestamp ${formatIsoTime(time[i])} is earlier than line ${previousLine}'s ${formatIsoTime(time[i - 1])}; rows must be sorted by time, oldest first`,
    );
  }
  const h = columns[HIGH][i];
  const l = columns[LOW][i];
  const open = columns[OPEN][i];
  const close = columns[CLOSE][i];
  if (h < l) throw badBar(ctx, line, `high ${h} is below low ${l}; each bar needs low ≤ open, close ≤ high`);
  if (open > h || open < l) throw outsideRange(ctx, line, 'open', open, l, h);
  if (close > h || close < l) throw outsideRange(ctx, line, 'close', close, l, h);
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
