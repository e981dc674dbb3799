/**
 * Dense-layer passes on row-major, batch-major buffers: x is rows×inSize, weights are
 * inSize×outSize (row i holds input i's outgoing weights), z and dz are rows×outSize.
 */
import { gemm } from './gemm';

/** Where one dense layer lives in the flat parameter vector. */
export interface LayerShape {
  inSize: number;
  outSize: number;
  weightOffset: number;
  biasOffset: number;
}

/** z = x·W + b. */
export function linearForward(
  x: Float64Array,
  weights: Float64Array,
  bias: Float64Array,
  z: Float64Array,
  rows: number,
  inSize: number,
  outSize: number,
): void {
  gemm(x, inSize, 1, weights, outSize, bias, z, rows, outSize, inSize);
}

/** dW = xᵀ·dz and db = Σ dz over the rows (overwriting, not accumulating). */
export function linearWeightGrads(
  x: Float64Array,
  dz: Float64Array,
  gradWeights: Float64Array,
  gradBias: Float64Array,
  rows: number,
  inSize: number,
  outSize: number,
): void {
  gemm(x, 1, inSize, dz, outSize, null, gradWeights, inSize, outSize, rows);
  gradBias.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * outSize;
    for (let j = 0; j < outSize; j++) gradBias[j] += dz[o + j];
  }
}

/** Wᵀ (outSize×inSize), so that dz·Wᵀ reads its second operand row by row like the other products. */
export function transpose(weights: Float64Array, transposed: Float64Array, inSize: number, outSize: number): void {
  for (let i = 0; i < inSize; i++) {
    for (let j = 0; j < outSize; j++) transposed[j * inSize + i] = weights[i * outSize + j];
  }
}

/**
 * dz of the previous layer = (dz·Wᵀ) ⊙ gate, where gate is that layer's activation
 * derivative times its dropout mask.
 */
export function linearInputGrads(
  dz: Float64Array,
  weightsT: Float64Array,
  gate: Float64Array,
  dzPrev: Float64Array,
  rows: number,
  inSize: number,
  outSize: number,
): void {
  gemm(dz, outSize, 1, weightsT, inSize, null, dzPrev, rows, inSize, outSize);
  for (let i = 0; i < rows * inSize; i++) dzPrev[i] *= gate[i];
}
