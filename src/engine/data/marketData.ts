/**
 * A market-data folder the caller names: `{SYMBOL}_{timeframe}.csv` files (KTRDR's layout),
 * loaded by name and listed. Names are checked before any path is built, so no name can reach
 * outside the folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths';
import { TIMEFRAME_MS, type Bars } from './bars';
import { emptyFileError, MarketDataError, noBarsError, NOT_A_TIME, parseBarsCsv, parseHeader, valueError } from './barsCsv';
import { formatIsoTime, parseIsoTime } from './isoTime';
import { materializeSyntheticMarket } from './syntheticMarkets';

export { MarketDataError } from './barsCsv';

// '_' for the synthetic markets' names (SYN_RW_7): a file name's last '_' still ends its symbol.
const SYMBOL = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;
const FILE_NAME = /^([A-Z0-9][A-Z0-9_-]{0,31})_([0-9]+[a-z])\.csv$/;
const FETCH_HINT = 'Run scripts/fetch-market-data.sh to fetch the shipped series (EURUSD 1h, GOOG 1d, SP500 1d, NASDAQ 1d)';

/** How a file is named in messages: relative to the project when inside it. */
function displayPath(file: string): string {
  const relative = path.relative(PROJECT_ROOT, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** Symbols are case-insensitive and stored upper-case (spec §8 #7: one spelling everywhere). */
export function normalizeSymbol(symbol: string): string {
  const upper = symbol.toUpperCase();
  if (!SYMBOL.test(upper)) {
    throw new MarketDataError(`'${symbol}' is not a valid symbol: use 1–32 letters, digits, '-' or '_', starting with a letter or digit (e.g. EURUSD).`);
  }
  return upper;
}

function checkTimeframe(timeframe: string): void {
  if (!Object.hasOwn(TIMEFRAME_MS, timeframe)) {
    throw new MarketDataError(`'${timeframe}' is not a timeframe: use one of ${Object.keys(TIMEFRAME_MS).join(', ')}.`);
  }
}

/** The file for a symbol and timeframe, guaranteed to lie directly inside `dir`. */
function marketDataFile(symbol: string, timeframe: string, dir: string): string {
  const name = `${normalizeSymbol(symbol)}_${timeframe}.csv`;
  checkTimeframe(timeframe);
  const folder = path.resolve(dir);
  const file = path.resolve(folder, name);
  // Unreachable with the name rules above; kept so a future loosening of them cannot open the folder.
  if (path.dirname(file) !== folder) throw new MarketDataError(`${name} resolves outside ${displayPath(folder)}; refusing to read it.`);
  return file;
}

/** All bars of one series, strictly checked (see parseBarsCsv for what is refused); a synthetic market's are written first when missing. */
export function loadBars(symbol: string, timeframe: string, { dir }: { dir: string }): Bars {
  const file = marketDataFile(symbol, timeframe, dir);
  const canonical = normalizeSymbol(symbol);
  const source = displayPath(file);
  materializeSyntheticMarket(canonical, timeframe, dir);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw cannotRead(source, error);
    throw new MarketDataError(`No market data for ${canonical} ${timeframe}: ${source} does not exist. ${availableHint(dir)}`, source);
  }
  try {
    const read = (buffer: Buffer, offset: number) => {
      try {
        return fs.readSync(fd, buffer, offset, buffer.length - offset, null);
      } catch (error) {
        throw cannotRead(source, error);
      }
    };
    return parseBarsCsv(read, fs.fstatSync(fd).size, { symbol: canonical, timeframe, source });
  } finally {
    fs.closeSync(fd);
  }
}

const cannotRead = (source: string, error: unknown) => new MarketDataError(`Cannot read ${source}: ${(error as Error).message}.`, source);

function availableHint(dir: string): string {
  let available: string[] = [];
  try {
    available = listAvailableData(dir).map((d) => `${d.symbol} ${d.timeframe}`);
  } catch {
    // A broken neighbour file must not hide the answer to the question asked.
  }
  const have = available.length > 0 ? `Available: ${available.join(', ')}. ` : 'There is no market data yet. ';
  return `${have}${FETCH_HINT}, or add a CSV named {SYMBOL}_{timeframe}.csv to ${displayPath(path.resolve(dir))}${path.sep}.`;
}

export interface AvailableData {
  symbol: string;
  timeframe: string;
  bars: number;
  /** First and last bar open times, ISO-8601 UTC. */
  start: string;
  end: string;
  path: string;
}

/**
 * Every `{SYMBOL}_{timeframe}.csv` in the folder (other files are ignored), sorted by symbol then
 * timeframe. Cheap and uncached: the header and first bar from the file's head, the last bar from
 * its tail, and the bar count from one pass of newline search over the bytes (about 30 ms per
 * million rows). The values themselves are checked when the series is loaded.
 */
export function listAvailableData(dir: string): AvailableData[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MarketDataError(`Cannot list ${displayPath(path.resolve(dir))}: ${(error as Error).message}.`);
  }
  const found: AvailableData[] = [];
  for (const name of names.sort()) {
    const match = FILE_NAME.exec(name);
    if (!match || !Object.hasOwn(TIMEFRAME_MS, match[2])) continue;
    const file = path.resolve(dir, name);
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
    found.push({ symbol: match[1], timeframe: match[2], ...summarize(file), path: file });
  }
  return found;
}

const CHUNK = 1 << 20;
const EDGE = 64 * 1024;

interface Line {
  text: string;
  number: number;
}

/** Bar count and first/last times of one file, reading its head, its tail and its newlines. */
function summarize(file: string): { bars: number; start: string; end: string } {
  const source = displayPath(file);
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, EDGE));
    fs.readSync(fd, head, 0, head.length, 0);
    const [headerLine, firstLine] = nonBlankLines(head.toString('utf8').replace(/^\uFEFF/, ''), 2);
    if (!headerLine) throw emptyFileError(source);
    const { roles, names } = parseHeader(headerLine.text, source, headerLine.number);
    if (!firstLine) throw noBarsError(source);
    const { lines, lastLine } = countLines(fd, size);
    const tail = Buffer.alloc(Math.min(size, EDGE));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    const lastText = nonBlankLines(tail.toString('utf8'), Infinity).pop()?.text ?? firstLine.text;
    const timeField = roles.indexOf(0);
    const timeOf = (line: Line) => {
      const field = line.text.split(',')[timeField] ?? '';
      const ms = parseIsoTime(Buffer.from(field), 0, Buffer.byteLength(field));
      if (Number.isNaN(ms)) throw valueError(source, line.number, names[timeField], field, NOT_A_TIME);
      return formatIsoTime(ms);
    };
    return { bars: lines - 1, start: timeOf(firstLine), end: timeOf({ text: lastText, number: lastLine }) };
  } finally {
    fs.closeSync(fd);
  }
}

/** The first `limit` non-blank lines of a text, with their 1-based line numbers. */
function nonBlankLines(text: string, limit: number): Line[] {
  const lines: Line[] = [];
  const all = text.split('\n');
  for (let i = 0; i < all.length && lines.length < limit; i++) {
    const line = all[i].replace(/\r$/, '');
    if (line.trim() !== '') lines.push({ text: line, number: i + 1 });
  }
  return lines;
}

/**
 * Lines with content (a lone '\r' is not content) and the number of the last one, counted chunk
 * by chunk without holding the file.
 */
function countLines(fd: number, size: number): { lines: number; lastLine: number } {
  const chunk = Buffer.alloc(Math.min(size, CHUNK));
  let count = 0;
  let lineNo = 0;
  let lastLine = 0;
  let pending = 0;
  let pendingIsCR = false;
  for (let offset = 0; offset < size; ) {
    const read = fs.readSync(fd, chunk, 0, chunk.length, offset);
    if (read === 0) break;
    offset += read;
    const view = chunk.subarray(0, read);
    let start = 0;
    for (let nl = view.indexOf(10); nl !== -1; nl = view.indexOf(10, start)) {
      const length = pending + nl - start;
      const endsWithCR = nl > start ? view[nl - 1] === 13 : pendingIsCR;
      lineNo++;
      if (length > (endsWithCR ? 1 : 0)) {
        count++;
        lastLine = lineNo;
      }
      pending = 0;
      start = nl + 1;
    }
    if (start < read) {
      pending += read - start;
      pendingIsCR = view[read - 1] === 13;
    }
  }
  if (pending > (pendingIsCR ? 1 : 0)) {
    count++;
    lastLine = lineNo + 1;
  }
  return { lines: count, lastLine };
}
