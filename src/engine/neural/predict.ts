/**
 * What a trained network says about bars: class probabilities for every bar, from the strategy's
 * features.
 */
import type { Bars } from '../data/bars';
import type { Scaler } from '../features/dataset';
import { eachFeatureColumn, featureColumns, type FeatureSpec } from '../features/features';
import { runThrough, type Steps } from '../steps';
import type { Mlp } from './mlp';

/**
 * Class probabilities for every bar (NaN rows where a feature is not ready), from the features
 * of `spec`, scaled by the model's scaler (none: unscaled). The features go straight into the
 * float32 input rows, one column at a time (eachFeatureColumn), so they are never all held in
 * float64 as well. The caller checks that the network was trained on these columns.
 */
export function predictBars(spec: FeatureSpec, model: { scaler: Scaler | null }, network: Mlp, bars: Bars): Float32Array {
  return runThrough(predictSteps(spec, model, network, bars));
}

/**
 * predictBars, yielding after the features and between prediction chunks (see steps.ts);
 * `indicators`: computeIndicators of these very bars when the caller has them already.
 */
export function* predictSteps(
  spec: FeatureSpec,
  model: { scaler: Scaler | null },
  network: Mlp,
  bars: Bars,
  indicators?: Map<string, Float64Array>,
): Steps<Float32Array> {
  const n = bars.time.length;
  const d = featureColumns(spec).length;
  const x = new Float32Array(n * d);
  const ready = new Uint8Array(n).fill(1);
  const { scaler } = model;
  eachFeatureColumn(
    spec,
    bars,
    (c, values, lag) => {
      const mean = scaler ? scaler.mean[c] : 0;
      const std = scaler ? scaler.std[c] : 1;
      for (let t = 0; t < n; t++) {
        const v = t < lag ? NaN : values[t - lag];
        if (!Number.isFinite(v)) ready[t] = 0;
        x[t * d + c] = scaler ? (v - mean) / std : v;
      }
    },
    indicators,
  );
  yield;
  const probabilities = yield* network.predictSteps(x);
  for (let t = 0; t < n; t++) if (!ready[t]) probabilities.fill(NaN, t * 3, t * 3 + 3);
  return probabilities;
}
