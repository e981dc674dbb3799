/**
 * The report's charts as data: for each, its series (label, colour, line or markers) and the
 * columns uPlot draws, x first. The page's script (chartScript.ts) turns each into a uPlot chart;
 * the browser test reads the same colours to check that every series was painted.
 */
import type { ReportData, ReportPeriod } from './reportData';

/** How the y axis reads: money, a fraction shown as a percentage, a price, a loss. */
type Axis = 'money' | 'pct' | 'price' | 'loss';

interface ChartSeries {
  label: string;
  /** A CSS hex colour, distinct within its chart. */
  color: string;
  /** Points at the bars that have a value, no line (trades on the price chart). */
  markers?: boolean;
  dash?: number[];
  /** A translucent fill under the line, for a drawdown. */
  fill?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  /** Time in seconds (uPlot's unit) or the epoch number. */
  x: 'time' | 'epoch';
  y: Axis;
  series: ChartSeries[];
  /** [x, ...one column per series]; null where a series has no value. */
  data: (number | null)[][];
}

const COLORS = {
  strategy: '#2563eb',
  buyAndHold: '#d97706',
  drawdown: '#dc2626',
  price: '#334155',
  entry: '#16a34a',
  exit: '#db2777',
  chance: '#6b7280',
};

/** The last bar at or before `time`: where a fill at that time belongs (a forced exit fills at the last bar's end). */
function barAt(times: number[], time: number): number {
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (times[mid] <= time) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function drawdownOf(curve: number[]): number[] {
  let peak = -Infinity;
  return curve.map((v) => {
    peak = Math.max(peak, v);
    return -(1 - v / peak);
  });
}

function periodCharts({ name, curves, trades }: ReportPeriod): ChartSpec[] {
  const x = curves.time.map((t) => t / 1000);
  const entries: (number | null)[] = x.map(() => null);
  const exits: (number | null)[] = x.map(() => null);
  for (const t of trades) {
    entries[barAt(curves.time, t.entryTime)] = t.entryPrice;
    exits[barAt(curves.time, t.exitTime)] = t.exitPrice;
  }
  return [
    {
      id: `${name}-equity`,
      title: 'Equity against buy-and-hold',
      x: 'time',
      y: 'money',
      series: [
        { label: 'strategy', color: COLORS.strategy },
        { label: 'buy-and-hold', color: COLORS.buyAndHold },
      ],
      data: [x, curves.equity, curves.buyAndHold],
    },
    {
      id: `${name}-drawdown`,
      title: 'Drawdown (below the running peak)',
      x: 'time',
      y: 'pct',
      series: [
        { label: 'strategy', color: COLORS.drawdown, fill: true },
        { label: 'buy-and-hold', color: COLORS.buyAndHold, dash: [4, 3] },
      ],
      data: [x, curves.drawdown.map((d) => -d), drawdownOf(curves.buyAndHold)],
    },
    {
      id: `${name}-trades`,
      title: `Trades on the price (${trades.length})`,
      x: 'time',
      y: 'price',
      series: [
        { label: 'close', color: COLORS.price },
        { label: 'entry', color: COLORS.entry, markers: true },
        { label: 'exit', color: COLORS.exit, markers: true },
      ],
      data: [x, curves.close, entries, exits],
    },
  ];
}

/** Training and validation loss by epoch, with the loss of always predicting the class shares. */
function lossChart({ history, metrics }: ReportData['training']): ChartSpec {
  const epochs = history.trainLoss.map((_, i) => i + 1);
  const chance = metrics.chanceLoss;
  return {
    id: 'training-loss',
    title: 'Training and validation loss',
    x: 'epoch',
    y: 'loss',
    series: [
      { label: 'training loss', color: COLORS.strategy },
      { label: 'validation loss', color: COLORS.buyAndHold },
      ...(chance === undefined ? [] : [{ label: 'chance (validation)', color: COLORS.chance, dash: [6, 4] }]),
    ],
    data: [epochs, history.trainLoss, history.valLoss, ...(chance === undefined ? [] : [epochs.map(() => chance)])],
  };
}

export function reportCharts(data: ReportData): ChartSpec[] {
  return [lossChart(data.training), ...data.periods.flatMap(periodCharts)];
}
