import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadBars } from '../../src/engine/data/marketData';

/**
 * The reader takes the file a chunk at a time (1 MB) and each line through a fast path first:
 * lines that cross a chunk boundary, longer than a chunk, or that the fast path declines must
 * give what Number() and Date.parse give, line by line.
 */

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-csv-chunks-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const START = Date.parse('2020-01-01T00:00:00Z');

/** Line i in the fast path's canonical form or, every `odd`-th line, in forms it declines. */
function line(i: number, odd: number): string {
  const base = 100 + (i % 997) / 1000;
  const time = START + i * HOUR;
  const [open, high, low, close, volume] = [base, base + 0.5, base - 0.5, base + 0.25, 1000 + (i % 89)];
  if (i % odd !== 0) return `${new Date(time).toISOString().slice(0, 19)}Z,${open},${high},${low},${close},${volume}`;
  // Offset time, blanks, an exponent, a sign and a quoted value: the full reader's forms.
  const shifted = new Date(time + 2 * HOUR).toISOString().slice(0, 19);
  return `${shifted}+02:00, ${open} ,${high * 10}e-1,+${low},"${close}",${volume}`;
}

/** The values of a line by Date.parse and Number(), independently of the reader. */
function expectedValues(text: string): number[] {
  const [time, ...values] = text.split(',');
  return [Date.parse(/Z|[+-]\d\d:\d\d$/.test(time) ? time : `${time}Z`), ...values.map((v) => Number(v.trim().replace(/"/g, '')))];
}

function writeRows(name: string, count: number, odd: number, eol: string): number[][] {
  const lines = Array.from({ length: count }, (_, i) => line(i, odd));
  fs.writeFileSync(path.join(dir, name), `timestamp,open,high,low,close,volume${eol}${lines.join(eol)}${eol}`);
  return lines.map(expectedValues);
}

const columnsOf = (bars: ReturnType<typeof loadBars>) => [bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume];

describe('loadBars, chunked', () => {
  test.each([
    ['\n', 7],
    ['\r\n', 5],
  ])('a file of several chunks (line end %j, every %i-th line in the full reader’s forms) reads every value exactly', (eol, odd) => {
    // About 60 bytes a line: 40 000 lines are 2.4 MB, so lines cross two chunk boundaries.
    const expected = writeRows('X_1h.csv', 40_000, odd, eol);
    const columns = columnsOf(loadBars('X', '1h', { dir }));
    expect(columns[0].length).toBe(expected.length);
    columns.forEach((column, c) => expect(column).toEqual(Float64Array.from(expected, (values) => values[c])));
  });

  test('a line longer than a chunk grows the buffer and is read whole', () => {
    const padding = ' '.repeat(1_200_000);
    const lines = ['timestamp,open,high,low,close,volume', '2020-01-01T00:00:00Z,1,2,0.5,1.5,10', `2020-01-01T01:00:00Z,${padding}1.25,2,0.5,1.5,11`];
    fs.writeFileSync(path.join(dir, 'X_1h.csv'), `${lines.join('\n')}\n`);
    const bars = loadBars('X', '1h', { dir });
    expect(Array.from(bars.open)).toEqual([1, 1.25]);
    expect(Array.from(bars.volume)).toEqual([10, 11]);
  });

  test('an error past the first chunk names its line', () => {
    writeRows('X_1h.csv', 30_000, 1_000_000, '\n');
    const file = path.join(dir, 'X_1h.csv');
    const text = fs.readFileSync(file, 'utf8').split('\n');
    text[25_001] = text[25_001].replace(/,[^,]*$/, ',-3');
    fs.writeFileSync(file, text.join('\n'));
    expect(() => loadBars('X', '1h', { dir })).toThrow(/line 25002, column volume: '-3' is negative/);
  });
});
