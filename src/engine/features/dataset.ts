/**
 * Turns a strategy's bars into model rows, honest about time (spec §4, §8 #22):
 * - each symbol is split by time into train / validation / test (the holdout) from
 *   `data_split`, then the symbols are merged, so every symbol appears in every split;
 * - labels are computed inside each split's own bars, so no label of one split sees the
 *   prices of the next (with `label_lookahead` bounding how far a label looks at all);
 * - the first `history_required` bars only warm the indicators up;
 * - the scaler is fitted on training rows only.
 */
import { UserError } from '../../errors';
import type { Bars } from '../data/bars';
import { buildFeatures, type FeatureSpec } from './features';
import { zigzagLabels } from './labels';

const SPLITS = ['train', 'validation', 'test'] as const;
type SplitName = (typeof SPLITS)[number];

/** The features, plus how a strategy's sections split, label and scale its bars (the strategy format's names). */
export interface DatasetSpec extends FeatureSpec {
  training_data: { history_required: number };
  training: {
    labels: { zigzag_threshold: number; label_lookahead: number };
    data_split: { train: number; validation: number; test: number };
  };
  model: { features: { lookback_periods: number; scale_features: boolean } };
}

/** Bar index ranges [start, end) of one symbol's splits, and their time bounds (kept with the model). */
export interface SymbolSplits {
  symbol: string;
  bars: number;
  ranges: Record<SplitName, { start: number; end: number; startTime: number; endTime: number }>;
}

export function splitBars(bars: Bars, spec: Pick<DatasetSpec, 'training_data' | 'training'>): SymbolSplits {
  const n = bars.time.length;
  const first = Math.min(spec.training_data.history_required, n);
  const usable = n - first;
  const { train, validation } = spec.training.data_split;
  const trainEnd = first + Math.floor(usable * train);
  const validationEnd = trainEnd + Math.floor(usable * validation);
  const range = (start: number, end: number) => ({ start, end, startTime: bars.time[start], endTime: bars.time[end - 1] });
  return {
    symbol: bars.symbol,
    bars: n,
    ranges: { train: range(first, trainEnd), validation: range(trainEnd, validationEnd), test: range(validationEnd, n) },
  };
}

export interface Rows {
  /** rows × columns, row-major. */
  x: Float32Array;
  y: Int32Array;
  rows: number;
}

export interface Scaler {
  mean: number[];
  std: number[];
}

export interface Dataset {
  columns: string[];
  splits: SymbolSplits[];
  train: Rows;
  validation: Rows;
  /** Rows of the holdout; built only when asked for, so nothing that tunes a model sees it by accident. */
  test?: Rows;
  scaler: Scaler | null;
}

/** One split of one symbol: its feature columns, first bar and labels (−1 = unusable). */
interface Segment {
  columns: Float64Array[];
  start: number;
  labels: Int8Array;
}

/** A bar is a row when its label is known and every feature is ready. */
function usable(segment: Segment, i: number): boolean {
  if (segment.labels[i] < 0) return false;
  const t = segment.start + i;
  for (const column of segment.columns) if (!Number.isFinite(column[t])) return false;
  return true;
}

function fitScaler(segments: Segment[], columns: string[]): Scaler {
  const d = columns.length;
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d);
  let n = 0;
  for (const segment of segments) {
    for (let i = 0; i < segment.labels.length; i++) {
      if (!usable(segment, i)) continue;
      n++;
      for (let c = 0; c < d; c++) {
        const v = segment.columns[c][segment.start + i];
        sum[c] += v;
        sumSq[c] += v * v;
      }
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sumSq, (s, c) => Math.sqrt(Math.max(0, s / n - mean[c] * mean[c])));
  std.forEach((sd, c) => {
    if (sd < 1e-9) throw new UserError(`feature ${columns[c]} is constant on the training rows: it cannot inform the model; change or drop its fuzzy set`);
  });
  return { mean, std };
}

/** Packs the usable bars of the segments into the model's Float32 rows, scaled when a scaler is given. */
function pack(segments: Segment[], d: number, scaler: Scaler | null): Rows {
  let rows = 0;
  for (const segment of segments) for (let i = 0; i < segment.labels.length; i++) if (usable(segment, i)) rows++;
  const x = new Float32Array(rows * d);
  const y = new Int32Array(rows);
  let r = 0;
  for (const segment of segments) {
    for (let i = 0; i < segment.labels.length; i++) {
      if (!usable(segment, i)) continue;
      const t = segment.start + i;
      for (let c = 0; c < d; c++) {
        const v = segment.columns[c][t];
        x[r * d + c] = scaler ? (v - scaler.mean[c]) / scaler.std[c] : v;
      }
      y[r++] = segment.labels[i];
    }
  }
  return { x, y, rows };
}

export interface DatasetOptions {
  /** Build the holdout's rows too. */
  includeTest?: boolean;
  /** Each series' computeIndicators, in the order of the series, when the caller has them already. */
  indicators?: readonly Map<string, Float64Array>[];
}

export function buildDataset(spec: DatasetSpec, series: Bars[], { includeTest = false, indicators }: DatasetOptions = {}): Dataset {
  const { zigzag_threshold: threshold, label_lookahead: lookahead } = spec.training.labels;
  const segments: Record<SplitName, Segment[]> = { train: [], validation: [], test: [] };
  let columns: string[] = [];
  const splits: SymbolSplits[] = [];
  for (const [i, bars] of series.entries()) {
    const features = buildFeatures(spec, bars, indicators?.[i]);
    columns = features.columns;
    const split = splitBars(bars, spec);
    splits.push(split);
    for (const name of SPLITS) {
      if (name === 'test' && !includeTest) continue;
      const { start, end } = split.ranges[name];
      segments[name].push({ columns: features.values, start, labels: zigzagLabels(bars.close.subarray(start, end), threshold, lookahead) });
    }
  }
  const scaler = spec.model.features.scale_features ? fitScaler(segments.train, columns) : null;
  const d = columns.length;
  const dataset: Dataset = {
    columns,
    splits,
    train: pack(segments.train, d, scaler),
    validation: pack(segments.validation, d, scaler),
    test: includeTest ? pack(segments.test, d, scaler) : undefined,
    scaler,
  };
  for (const name of ['train', 'validation'] as const) {
    if (dataset[name].rows === 0) {
      throw new UserError(`the ${name} split has no usable rows (features still warming up, or too little data): use more data or a shorter history_required`);
    }
  }
  return dataset;
}
