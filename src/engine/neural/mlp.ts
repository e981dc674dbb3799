/** The network: a multilayer perceptron classifier, its configuration and its JSON form. */
import { z } from 'zod';
import { Random } from '../random';
import { runThrough, type Steps } from '../steps';
import { ACTIVATIONS, initialWeight } from './activations';
import { EvalPass } from './evalPass';
import type { LayerShape } from './linear';

const MlpConfigSchema = z.strictObject({
  inputSize: z.number().int().min(1),
  hiddenLayers: z.array(z.number().int().min(1)),
  activation: z.enum(ACTIVATIONS),
  dropout: z.number().min(0).lt(1),
  outputSize: z.number().int().min(2),
});
export type MlpConfig = z.infer<typeof MlpConfigSchema>;

const FORMAT = 'ktrdr-agent/mlp';

const MlpJsonSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  architecture: MlpConfigSchema,
  /** Every parameter, float64 little-endian, in `params` order (see Mlp). */
  params: z.string(),
});
export type MlpJson = z.infer<typeof MlpJsonSchema>;

/**
 * A multilayer perceptron classifier: per hidden size Linear → activation → dropout, then
 * a Linear to `outputSize` logits (spec §4.7). All weights and biases live in one
 * Float64Array, layer by layer (weights inSize×outSize row-major, then biases), so the
 * optimiser, gradient clipping and best-weight snapshots are single loops or copies.
 */
export class Mlp {
  readonly config: MlpConfig;
  readonly layers: readonly LayerShape[];
  readonly params: Float64Array;

  private constructor(config: MlpConfig, params?: Float64Array) {
    this.config = MlpConfigSchema.parse(config);
    const sizes = [this.config.inputSize, ...this.config.hiddenLayers, this.config.outputSize];
    const layers: LayerShape[] = [];
    let offset = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inSize = sizes[l];
      const outSize = sizes[l + 1];
      layers.push({ inSize, outSize, weightOffset: offset, biasOffset: offset + inSize * outSize });
      offset += inSize * outSize + outSize;
    }
    this.layers = layers;
    if (params && params.length !== offset) throw new Error(`model has ${offset} parameters, got ${params.length}`);
    this.params = params ?? new Float64Array(offset);
  }

  /** A fresh model; `seed` fixes the initial weights (biases start at 0). */
  static create(config: MlpConfig, seed: number): Mlp {
    const model = new Mlp(config);
    const rng = new Random(seed);
    for (const layer of model.layers) {
      for (let i = 0; i < layer.inSize * layer.outSize; i++) {
        model.params[layer.weightOffset + i] = initialWeight(model.config.activation, layer.inSize, layer.outSize, rng);
      }
    }
    return model;
  }

  get parameterCount(): number {
    return this.params.length;
  }

  weights(layer: LayerShape): Float64Array {
    return this.params.subarray(layer.weightOffset, layer.weightOffset + layer.inSize * layer.outSize);
  }

  bias(layer: LayerShape): Float64Array {
    return this.params.subarray(layer.biasOffset, layer.biasOffset + layer.outSize);
  }

  /**
   * Class probabilities (eval mode: no dropout) for the n rows of x (n×inputSize), as
   * n×outputSize. A row with a NaN feature gets NaN probabilities: no decision, not a guess.
   */
  predictProba(x: Float32Array): Float32Array {
    return runThrough(this.predictSteps(x));
  }

  /** predictProba one chunk of rows at a time, yielding between chunks (see engine/steps.ts). */
  *predictSteps(x: Float32Array): Steps<Float32Array> {
    const pass = new EvalPass(this);
    const rows = pass.rowCount(x);
    const out = new Float32Array(rows * this.config.outputSize);
    const exps = new Float64Array(this.config.outputSize);
    for (let from = 0; from < rows; from += pass.chunk) {
      if (from > 0) yield;
      this.softmaxChunk(pass, x, from, Math.min(pass.chunk, rows - from), out, exps);
    }
    return out;
  }

  private softmaxChunk(pass: EvalPass, x: Float32Array, from: number, count: number, out: Float32Array, exps: Float64Array): void {
    const k = this.config.outputSize;
    const logits = pass.logits(x, from, count);
    for (let r = 0; r < count; r++) {
      const o = r * k;
      let max = logits[o];
      for (let c = 1; c < k; c++) if (logits[o + c] > max) max = logits[o + c];
      let total = 0;
      for (let c = 0; c < k; c++) total += exps[c] = Math.exp(logits[o + c] - max);
      const target = (from + r) * k;
      for (let c = 0; c < k; c++) out[target + c] = exps[c] / total;
    }
  }

  /** Exact: the parameters travel as their float64 bytes (~11 characters per parameter). */
  toJSON(): MlpJson {
    const bytes = new DataView(new ArrayBuffer(this.params.length * 8));
    for (let i = 0; i < this.params.length; i++) bytes.setFloat64(i * 8, this.params[i], true);
    return { format: FORMAT, version: 1, architecture: this.config, params: Buffer.from(bytes.buffer).toString('base64') };
  }

  static fromJSON(json: unknown): Mlp {
    const parsed = MlpJsonSchema.parse(json);
    const raw = Buffer.from(parsed.params, 'base64');
    if (raw.length % 8 !== 0) throw new Error(`model parameters are ${raw.length} bytes, not a whole number of float64`);
    const bytes = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const params = new Float64Array(raw.length / 8);
    for (let i = 0; i < params.length; i++) params[i] = bytes.getFloat64(i * 8, true);
    return new Mlp(parsed.architecture, params);
  }
}
