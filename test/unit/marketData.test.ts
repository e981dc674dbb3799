import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Bars } from '../../src/engine/data/bars';
import { writeBarsCsv } from '../../src/engine/data/barsCsv';
import { findGaps } from '../../src/engine/data/marketCalendar';
import { listAvailableData, loadBars, MarketDataError } from '../../src/engine/data/marketData';
import { UserError } from '../../src/errors';
import { MARKET_DATA_DIR } from '../support/folders';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-market-data-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const HEADER = 'timestamp,open,high,low,close,volume';

function write(name: string, ...lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

const load = (symbol = 'EURUSD', timeframe = '1h') => loadBars(symbol, timeframe, { dir });

/** The error loading throws; fails the test if it loads. */
function loadError(symbol = 'EURUSD', timeframe = '1h'): MarketDataError {
  try {
    load(symbol, timeframe);
  } catch (error) {
    expect(error).toBeInstanceOf(MarketDataError);
    return error as MarketDataError;
  }
  throw new Error('expected loadBars to fail');
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('loadBars', () => {
  test('reads the canonical layout into typed-array columns', () => {
    write('EURUSD_1h.csv', HEADER, '2017-04-19T09:00:00Z,1.0716,1.0722,1.07083,1.07219,1413', '2017-04-19T10:00:00Z,1.07214,1.07296,1.07214,1.0726,1241', '');
    const bars = load();
    expect(bars.symbol).toBe('EURUSD');
    expect(bars.timeframe).toBe('1h');
    expect(bars.close).toBeInstanceOf(Float64Array);
    expect(Array.from(bars.time, iso)).toEqual(['2017-04-19T09:00:00.000Z', '2017-04-19T10:00:00.000Z']);
    expect(Array.from(bars.open)).toEqual([1.0716, 1.07214]);
    expect(Array.from(bars.high)).toEqual([1.0722, 1.07296]);
    expect(Array.from(bars.low)).toEqual([1.07083, 1.07214]);
    expect(Array.from(bars.close)).toEqual([1.07219, 1.0726]);
    expect(Array.from(bars.volume)).toEqual([1413, 1241]);
  });

  test('accepts the common header names in any order and case, and ignores extra columns', () => {
    write('SP500_1d.csv', 'Date,Open,High,Low,Close,Adj Close,Volume', '1999-01-04,1229.22998,1248.810059,1219.099976,1228.099976,1228.099976,877000000');
    expect(Array.from(loadBars('SP500', '1d', { dir }).close)).toEqual([1228.099976]);
    for (const header of ['VOLUME,close,Low,high,OPEN,Datetime', '"volume","close","low","high","open","time"']) {
      write('X_1d.csv', header, '10,4,1,5,2,2020-01-02');
      const bars = loadBars('X', '1d', { dir });
      expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]]).toEqual([2, 5, 1, 4, 10]);
      expect(iso(bars.time[0])).toBe('2020-01-02T00:00:00.000Z');
    }
  });

  test('reads ISO dates with or without a time, seconds or zone; a time without zone is UTC', () => {
    const stamps = [
      ['2020-01-02', '2020-01-02T00:00:00.000Z'],
      ['2020-01-03T09:30', '2020-01-03T09:30:00.000Z'],
      ['2020-01-03 10:00:00', '2020-01-03T10:00:00.000Z'],
      ['2020-01-03T11:00:00Z', '2020-01-03T11:00:00.000Z'],
      ['2020-01-03T11:00:00.250Z', '2020-01-03T11:00:00.250Z'],
      ['2020-01-03T14:00:00+02:00', '2020-01-03T12:00:00.000Z'],
      ['2020-01-03T08:00:00-0500', '2020-01-03T13:00:00.000Z'],
    ];
    write('X_1m.csv', HEADER, ...stamps.map(([stamp]) => `${stamp},1,1,1,1,0`));
    expect(Array.from(loadBars('X', '1m', { dir }).time, iso)).toEqual(stamps.map(([, expected]) => expected));
  });

  test('numbers read exactly as JavaScript reads them: signs, exponents, spaces, quotes, long digit strings', () => {
    const values = ['1', '+2.5', ' 3.25 ', '"4.5"', '1.5e2', '2E-3', '0.1', '123456789.123456789', '0.30000000000000004', '1e-7', '.5', '7.'];
    write('X_1d.csv', HEADER, ...values.map((v, i) => `2020-01-${String(i + 1).padStart(2, '0')},${v},${v},${v},${v},${v}`));
    expect(Array.from(loadBars('X', '1d', { dir }).close)).toEqual(values.map((v) => Number(v.replace(/"/g, ''))));
  });

  test('writeBarsCsv → loadBars gives back the same doubles, for any magnitude', () => {
    const n = 2000;
    let seed = 7;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2000, 0, 3) + i * 3_600_000);
    const low = Float64Array.from({ length: n }, () => 10 ** (next() * 16 - 8) * (1 + next()));
    const close = low.map((l) => l * (1 + next() / 10));
    const high = close.map((c) => c * (1 + next() / 10));
    const volume = Float64Array.from({ length: n }, () => Math.floor(next() * 1e9));
    const bars: Bars = { symbol: 'RT', timeframe: '1h', time, open: low.slice(), high, low, close, volume };
    const file = path.join(dir, 'RT_1h.csv');
    writeBarsCsv(bars, file);
    expect(fs.readFileSync(file, 'utf8').split('\n').slice(0, 2)).toEqual([
      HEADER,
      `2000-01-03T00:00:00Z,${low[0]},${high[0]},${low[0]},${close[0]},${volume[0]}`,
    ]);
    const back = loadBars('RT', '1h', { dir });
    for (const column of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) expect(back[column]).toEqual(bars[column]);
    expect(fs.readdirSync(dir)).toEqual(['RT_1h.csv']);
  });

  test('skips blank lines and reads CRLF files and a byte-order mark', () => {
    write('X_1d.csv', `\uFEFF${HEADER}\r`, '2020-01-02,1,2,1,2,5\r', '\r', '', '2020-01-03,2,3,2,3,6\r', '');
    expect(Array.from(loadBars('X', '1d', { dir }).close)).toEqual([2, 3]);
  });

  test('symbols are case-insensitive: stored and found upper-case', () => {
    write('EURUSD_1h.csv', HEADER, '2020-01-02T00:00:00Z,1,1,1,1,1');
    expect(loadBars('eurusd', '1h', { dir }).symbol).toBe('EURUSD');
  });
});

describe('loadBars refuses bad files with the line, column and what to do', () => {
  const source = () => path.join(dir, 'EURUSD_1h.csv');
  const rows = ['2017-04-19T09:00:00Z,1.0716,1.0722,1.07083,1.07219,1413', '2017-04-19T10:00:00Z,1.07214,1.07296,1.07214,1.0726,1241'];

  test('a value that is not a number', () => {
    write('EURUSD_1h.csv', HEADER, rows[0], '2017-04-19T10:00:00Z,1.07214,1.07296,1.07214,abc,1241');
    const error = loadError();
    expect(error.message).toBe(`${source()} line 3, column close: 'abc' is not a number.`);
    expect([error.line, error.column, error.file]).toEqual([3, 'close', source()]);
    expect(error).toBeInstanceOf(UserError);
  });

  test('the column is named as the file spells it; an empty value is called empty', () => {
    write('EURUSD_1h.csv', 'Date,Open,High,Low,Close,Volume', rows[0], '2017-04-19T10:00:00Z,1.07214,,1.07214,1.0726,1241');
    expect(loadError().message).toBe(`${source()} line 3, column High: empty value is not a number.`);
  });

  test('a date that is not ISO-8601', () => {
    write('EURUSD_1h.csv', HEADER, '4/19/2017,1.0716,1.0722,1.07083,1.07219,1413');
    expect(loadError().message).toBe(
      `${source()} line 2, column timestamp: '4/19/2017' is not an ISO-8601 date or date-time (write e.g. 2017-04-19 or 2017-04-19T09:00:00Z).`,
    );
    for (const bad of ['2017-02-30', '2017-13-01', '2017-04-19T25:00:00Z', '2017-04-19T09:00:00Q', '2017-04-19T09']) {
      write('EURUSD_1h.csv', HEADER, `${bad},1.0716,1.0722,1.07083,1.07219,1413`);
      expect(loadError().message).toContain(`column timestamp: '${bad}' is not an ISO-8601 date`);
    }
  });

  test('missing columns, all listed', () => {
    write('EURUSD_1h.csv', 'time,open,low,close', '2017-04-19T09:00:00Z,1,1,1');
    expect(loadError().message).toBe(
      `${source()} line 1: missing columns high, volume (header is 'time,open,low,close'). ` +
        'A market-data CSV needs timestamp (or time, date, datetime), open, high, low, close and volume, in any order.',
    );
  });

  test('two columns for the same field', () => {
    write('EURUSD_1h.csv', 'date,time,open,high,low,close,volume', '2017-04-19,09:00,1,1,1,1,1');
    expect(loadError().message).toBe(`${source()} line 1: columns 'date' and 'time' both name the timestamp column; keep one of them.`);
  });

  test('a row with too few or too many values', () => {
    write('EURUSD_1h.csv', HEADER, rows[0], '2017-04-19T10:00:00Z,1.07214,1.07296,1.07214,1.0726');
    expect(loadError().message).toBe(`${source()} line 3: 5 values, but the header has 6 columns (timestamp,open,high,low,close,volume).`);
    write('EURUSD_1h.csv', HEADER, `${rows[0]},7`);
    expect(loadError().message).toBe(`${source()} line 2: 7 values, but the header has 6 columns (timestamp,open,high,low,close,volume).`);
  });

  test('timestamps out of order, with both line numbers', () => {
    write('EURUSD_1h.csv', HEADER, rows[1], rows[0]);
    expect(loadError().message).toBe(
      `${source()} line 3: timestamp 2017-04-19T09:00:00Z is earlier than line 2's 2017-04-19T10:00:00Z; rows must be sorted by time, oldest first.`,
    );
  });

  test('a repeated timestamp, with both line numbers (blank lines counted)', () => {
    write('EURUSD_1h.csv', HEADER, rows[0], '', rows[0]);
    expect(loadError().message).toBe(
      `${source()} line 4: repeats the timestamp of line 2 (2017-04-19T09:00:00Z); each bar needs its own time, remove the duplicate.`,
    );
  });

  test('high below low, and open or close outside the bar', () => {
    write('EURUSD_1h.csv', HEADER, '2017-04-19T09:00:00Z,1.0716,1.07,1.08,1.07219,1413');
    expect(loadError().message).toBe(`${source()} line 2: high 1.07 is below low 1.08; each bar needs low ≤ open, close ≤ high.`);
    write('EURUSD_1h.csv', HEADER, '2017-04-19T09:00:00Z,1.0716,1.0722,1.07083,1.0730,1413');
    expect(loadError().message).toBe(
      `${source()} line 2: close 1.073 is outside the bar's range [low 1.07083, high 1.0722]; each bar needs low ≤ open, close ≤ high.`,
    );
  });

  test('prices that are not positive and negative volume', () => {
    write('EURUSD_1h.csv', HEADER, '2017-04-19T09:00:00Z,1.0716,1.0722,-1.07083,1.07219,1413');
    expect(loadError().message).toBe(`${source()} line 2, column low: '-1.07083' is not a positive price.`);
    write('EURUSD_1h.csv', HEADER, '2017-04-19T09:00:00Z,0,1.0722,1.07083,1.07219,1413');
    expect(loadError().message).toBe(`${source()} line 2, column open: '0' is not a positive price.`);
    write('EURUSD_1h.csv', HEADER, '2017-04-19T09:00:00Z,1.0716,1.0722,1.07083,1.07219,-5');
    expect(loadError().message).toBe(`${source()} line 2, column volume: '-5' is negative: volume must be 0 or more.`);
  });

  test('an empty file, and a header without bars', () => {
    write('EURUSD_1h.csv', '');
    expect(loadError().message).toBe(
      `${source()} is empty: a market-data CSV starts with a header such as 'timestamp,open,high,low,close,volume', then one line per bar.`,
    );
    write('EURUSD_1h.csv', HEADER, '');
    expect(loadError().message).toBe(`${source()} has a header but no bars: add one line per bar below it.`);
  });

  test('a missing file names the series, what is available and how to fetch the shipped data', () => {
    write('GOOG_1d.csv', HEADER, '2004-08-19,100,104.06,95.96,100.34,22351900');
    expect(loadError('EURUSD', '4h').message).toBe(
      `No market data for EURUSD 4h: ${path.join(dir, 'EURUSD_4h.csv')} does not exist. Available: GOOG 1d. ` +
        'Run scripts/fetch-market-data.sh to fetch the shipped series (EURUSD 1h, GOOG 1d, SP500 1d, NASDAQ 1d), ' +
        `or add a CSV named {SYMBOL}_{timeframe}.csv to ${dir}${path.sep}.`,
    );
  });

  test('files in the project are named relative to it', () => {
    expect(() => loadBars('NO-SUCH-SYMBOL', '1h', { dir: MARKET_DATA_DIR })).toThrow(
      `No market data for NO-SUCH-SYMBOL 1h: ${path.join('data', 'NO-SUCH-SYMBOL_1h.csv')} does not exist.`,
    );
  });

  test('names that could reach outside the folder are refused before any file is read', () => {
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(path.join(dir, 'data'));
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'SECRET_1h.csv'), `${HEADER}\n2020-01-02T00:00:00Z,1,1,1,1,1\n`);
    const data = path.join(dir, 'data');
    for (const symbol of ['../outside/SECRET', '..', 'a/b', 'a\\b', '/etc/passwd', '', 'EUR USD', '.hidden']) {
      expect(() => loadBars(symbol, '1h', { dir: data })).toThrow(
        new MarketDataError(`'${symbol}' is not a valid symbol: use 1–32 letters, digits, '-' or '_', starting with a letter or digit (e.g. EURUSD).`),
      );
    }
    for (const timeframe of ['1h/../../outside/SECRET_1h', '2h', '1H', '']) {
      expect(() => loadBars('SECRET', timeframe, { dir: data })).toThrow(
        new MarketDataError(`'${timeframe}' is not a timeframe: use one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w.`),
      );
    }
  });
});

/** Hourly FX bars as a broker records them in winter: the week opens Sunday 22:00 UTC and closes Friday 22:00 UTC. */
function fxWeeks(weeks: number, drop: (t: number) => boolean = () => false): string[] {
  const lines = [HEADER];
  const firstSunday = Date.UTC(2024, 0, 7, 22);
  for (let week = 0; week < weeks; week++) {
    const open = firstSunday + week * 7 * 86_400_000;
    for (let t = open; t < open + 5 * 86_400_000; t += 3_600_000) {
      if (!drop(t)) lines.push(`${new Date(t).toISOString()},1.1,1.2,1.0,1.1,100`);
    }
  }
  return lines;
}

describe('findGaps', () => {
  test('a week-end is not a gap for FX hourly bars, in winter or summer time', () => {
    write('EURUSD_1h.csv', ...fxWeeks(3));
    expect(findGaps(load())).toEqual([]);
    // Summer: the week runs Sunday 21:00 to Friday 20:00 UTC, an hour earlier.
    write('EURUSD_1h.csv', HEADER, '2024-07-05T20:00:00Z,1,1,1,1,1', '2024-07-07T21:00:00Z,1,1,1,1,1');
    expect(findGaps(load())).toEqual([]);
  });

  test('missing bars mid-week are reported with where they are and how many; nothing is filled in', () => {
    const wednesday = Date.UTC(2024, 0, 17, 10);
    write('EURUSD_1h.csv', ...fxWeeks(3, (t) => t >= wednesday && t < wednesday + 3 * 3_600_000));
    const bars = load();
    expect(findGaps(bars)).toEqual([
      { index: 180, lastBarBefore: Date.UTC(2024, 0, 17, 9), firstBarAfter: Date.UTC(2024, 0, 17, 13), missingBars: 3, likelyHoliday: false },
    ]);
    expect(bars.time.length).toBe(3 * 120 - 3);
    expect(bars.time[180] - bars.time[179]).toBe(4 * 3_600_000);
  });

  test('a missing day is flagged as holiday-sized; a few hours or several days are not', () => {
    write(
      'SP500_1d.csv',
      HEADER,
      ...['2001-09-06', '2001-09-07', '2001-09-10', '2001-09-17', '2001-09-18', '2001-11-21', '2001-11-23'].map((d) => `${d},1,1,1,1,1`),
    );
    const gaps = findGaps(loadBars('SP500', '1d', { dir }));
    expect(gaps.map((g) => [iso(g.lastBarBefore).slice(0, 10), iso(g.firstBarAfter).slice(0, 10), g.missingBars, g.likelyHoliday])).toEqual([
      ['2001-09-10', '2001-09-17', 4, false],
      ['2001-09-18', '2001-11-21', 45, false],
      ['2001-11-21', '2001-11-23', 1, true],
    ]);
  });

  test('on a continuous calendar (crypto) the week-end is a gap', () => {
    write('BTC_1d.csv', HEADER, '2024-01-05,1,1,1,1,1', '2024-01-08,1,1,1,1,1');
    const bars = loadBars('BTC', '1d', { dir });
    expect(findGaps(bars)).toEqual([]);
    expect(findGaps(bars, { calendar: 'continuous' })).toMatchObject([{ missingBars: 2, likelyHoliday: false }]);
  });
});

describe('listAvailableData', () => {
  test('lists {SYMBOL}_{timeframe}.csv files with bar counts and first and last times, ignoring other files', () => {
    write('GOOG_1d.csv', HEADER, '2004-08-19,100,104.06,95.96,100.34,22351900', '2004-08-20,101.01,109.08,100.5,108.31,11428600', '');
    fs.writeFileSync(
      path.join(dir, 'EURUSD_1h.csv'),
      `${HEADER}\r\n\r\n2017-04-19T09:00:00Z,1.0716,1.0722,1.07083,1.07219,1413\r\n\r\n2017-04-19T10:00:00Z,1.07214,1.07296,1.07214,1.0726,1241\r\n2017-04-19T11:00:00Z,1.07214,1.07296,1.07214,1.0726,1241\r\n\r\n`,
    );
    write('notes.txt', 'not data');
    write('eurusd_1h.csv', HEADER);
    write('GOOG_2h.csv', HEADER);
    write('GOOG_1d.csv.123.partial.csv', HEADER);
    fs.mkdirSync(path.join(dir, 'X_1d.csv'));
    expect(listAvailableData(dir)).toEqual([
      { symbol: 'EURUSD', timeframe: '1h', bars: 3, start: '2017-04-19T09:00:00Z', end: '2017-04-19T11:00:00Z', path: path.join(dir, 'EURUSD_1h.csv') },
      { symbol: 'GOOG', timeframe: '1d', bars: 2, start: '2004-08-19T00:00:00Z', end: '2004-08-20T00:00:00Z', path: path.join(dir, 'GOOG_1d.csv') },
    ]);
    expect(load().time.length).toBe(3);
  });

  test('agrees with loadBars on a large file', () => {
    const n = 30_000;
    const time = Float64Array.from({ length: n }, (_, i) => Date.UTC(2001, 0, 1) + i * 60_000);
    const ones = new Float64Array(n).fill(1);
    writeBarsCsv({ symbol: 'BIG', timeframe: '1m', time, open: ones, high: ones, low: ones, close: ones, volume: ones }, path.join(dir, 'BIG_1m.csv'));
    const [listed] = listAvailableData(dir);
    expect(listed).toMatchObject({ bars: n, start: '2001-01-01T00:00:00Z', end: new Date(time[n - 1]).toISOString().replace('.000Z', 'Z') });
    expect(loadBars('BIG', '1m', { dir }).time.length).toBe(listed.bars);
  });

  test('a folder that does not exist has no data', () => {
    expect(listAvailableData(path.join(dir, 'nowhere'))).toEqual([]);
  });

  test('a broken file is reported with its line, not skipped', () => {
    write('X_1d.csv', HEADER, '2020-01-02,1,1,1,1,1', 'yesterday,1,1,1,1,1');
    expect(() => listAvailableData(dir)).toThrow(`${path.join(dir, 'X_1d.csv')} line 3, column timestamp: 'yesterday' is not an ISO-8601 date or date-time`);
  });
});

describe('shipped market data (scripts/fetch-market-data.sh)', () => {
  const expected = [
    { symbol: 'EURUSD', timeframe: '1h', bars: 5000, start: '2017-04-19T09:00:00Z', end: '2018-02-07T15:00:00Z' },
    { symbol: 'GOOG', timeframe: '1d', bars: 2148, start: '2004-08-19T00:00:00Z', end: '2013-03-01T00:00:00Z' },
    { symbol: 'NASDAQ', timeframe: '1d', bars: 5031, start: '1999-01-04T00:00:00Z', end: '2018-12-31T00:00:00Z' },
    { symbol: 'SP500', timeframe: '1d', bars: 5031, start: '1999-01-04T00:00:00Z', end: '2018-12-31T00:00:00Z' },
  ];

  test.each(expected)('$symbol $timeframe loads with $bars bars, $start → $end', ({ symbol, timeframe, bars, start, end }) => {
    const file = path.join(MARKET_DATA_DIR, `${symbol}_${timeframe}.csv`);
    if (!fs.existsSync(file))
      throw new Error(`${path.relative(process.cwd(), file)} is missing: run scripts/fetch-market-data.sh first (CI runs it before the tests).`);
    const loaded = loadBars(symbol, timeframe, { dir: MARKET_DATA_DIR });
    expect(loaded.time.length).toBe(bars);
    expect(iso(loaded.time[0]).replace('.000Z', 'Z')).toBe(start);
    expect(iso(loaded.time[bars - 1]).replace('.000Z', 'Z')).toBe(end);
    expect(listAvailableData(MARKET_DATA_DIR).find((d) => d.symbol === symbol && d.timeframe === timeframe)).toEqual({
      symbol,
      timeframe,
      bars,
      start,
      end,
      path: file,
    });
  });

  test('gap analysis of the shipped series: only holidays, plus the real market closures', () => {
    for (const { symbol } of expected) {
      if (!fs.existsSync(path.join(MARKET_DATA_DIR, `${symbol}_${symbol === 'EURUSD' ? '1h' : '1d'}.csv`))) {
        throw new Error('the shipped market data is missing: run scripts/fetch-market-data.sh first (CI runs it before the tests).');
      }
    }
    const unusual = (symbol: string, timeframe: string) =>
      findGaps(loadBars(symbol, timeframe, { dir: MARKET_DATA_DIR }))
        .filter((g) => !g.likelyHoliday)
        .map((g) => `${iso(g.lastBarBefore).slice(0, 10)} → ${iso(g.firstBarAfter).slice(0, 10)} (${g.missingBars})`);
    const eurusd = findGaps(loadBars('EURUSD', '1h', { dir: MARKET_DATA_DIR }));
    expect(eurusd.map((g) => [iso(g.lastBarBefore), iso(g.firstBarAfter), g.likelyHoliday])).toEqual([
      ['2017-12-22T21:00:00.000Z', '2017-12-25T22:00:00.000Z', true],
      ['2017-12-29T21:00:00.000Z', '2018-01-01T22:00:00.000Z', true],
    ]);
    // 9/11, the national day of mourning for President Ford next to New Year, hurricane Sandy.
    const closures = ['2001-09-10 → 2001-09-17 (4)', '2006-12-29 → 2007-01-03 (2)', '2012-10-26 → 2012-10-31 (2)'];
    expect(unusual('SP500', '1d')).toEqual(closures);
    expect(unusual('NASDAQ', '1d')).toEqual(closures);
    expect(unusual('GOOG', '1d')).toEqual(closures.slice(1));
  });
});
