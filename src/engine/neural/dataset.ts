/**
 * What training and evaluation check of their rows and labels before any arithmetic: shapes,
 * finite values, a class per label.
 */

/** Class labels as the caller may hold them: one small integer per row. */
export type Labels = Int32Array | Uint8Array;

/** Row count of a row-major feature matrix, after checking its shape and that every value is finite. */
export function checkFeatures(x: Float32Array, features: number, name: string): number {
  if (x.length % features !== 0) throw new Error(`${name} has ${x.length} values, not a multiple of ${features} features`);
  for (let i = 0; i < x.length; i++) {
    // A NaN here would surface much later as a "diverged" loss; name the culprit instead.
    if (!Number.isFinite(x[i])) {
      throw new Error(`${name} row ${Math.floor(i / features)}, feature ${i % features} is ${x[i]}; features must be finite`);
    }
  }
  return x.length / features;
}

/** The labels as an Int32Array, after checking there is one per row and each names a class. */
export function checkLabels(y: Labels, rows: number, classes: number, name: string): Int32Array {
  if (y.length !== rows) throw new Error(`${name} has ${y.length} labels for ${rows} rows`);
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0 || y[i] >= classes) throw new Error(`${name}[${i}] is ${y[i]}, not a class in 0..${classes - 1}`);
  }
  return y instanceof Int32Array ? y : Int32Array.from(y);
}
