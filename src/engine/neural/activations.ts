/**
 * The hidden layers' activation functions, each with its initial weights, in a training pass (with
 * dropout) and an eval pass.
 */
import type { Random } from '../random';

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'leaky_relu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** PyTorch's default negative slope, so a KTRDR strategy trains the same function here. */
const LEAKY_SLOPE = 0.01;

/**
 * Initial weight for one connection: He (normal, fan-in) keeps the variance of ReLU-like
 * layers from shrinking layer after layer; Glorot (uniform) does the same for the
 * saturating tanh/sigmoid, which want small pre-activations in both directions.
 */
export function initialWeight(activation: Activation, fanIn: number, fanOut: number, rng: Random): number {
  if (activation === 'relu' || activation === 'leaky_relu') return rng.normal() * Math.sqrt(2 / fanIn);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return (2 * rng.next() - 1) * limit;
}

/** Mulberry32's output mix of a state: a uniform 32-bit draw. */
function mix(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** Mulberry32's state step; `| 0` keeps the state an int32, which V8 holds in a register. */
const advance = (state: number): number => (state + 0x6d2b79f5) | 0;

/**
 * Training-mode activation followed by inverted dropout, in place on `z` (n values).
 * `gate` receives d(output)/d(z) including the dropout mask and its 1/(1-p) scale, so the
 * backward pass is one multiply per unit whatever the activation.
 *
 * The dropout draws come from a mulberry32 stream whose state lives in `maskState[0]`
 * and in a local variable during the loop: calling Random.next() per unit made this pass
 * three times slower. A unit is dropped when its 32-bit draw is below p·2³².
 * The keep test is arithmetic on booleans rather than an if, because whether a unit
 * fires is a coin flip the branch predictor cannot learn.
 */
export function activateTrain(activation: Activation, z: Float64Array, gate: Float64Array, n: number, dropout: number, maskState: Int32Array): void {
  const scale = 1 / (1 - dropout);
  const threshold = dropout * 4294967296;
  let state = maskState[0];
  switch (activation) {
    case 'relu':
      for (let i = 0; i < n; i++) {
        state = advance(state);
        const v = z[i];
        const g = scale * (+(v > 0) & +(mix(state) >= threshold));
        z[i] = v * g;
        gate[i] = g;
      }
      break;
    case 'leaky_relu':
      for (let i = 0; i < n; i++) {
        state = advance(state);
        const v = z[i];
        const g = scale * +(mix(state) >= threshold) * (LEAKY_SLOPE + (1 - LEAKY_SLOPE) * +(v > 0));
        z[i] = v * g;
        gate[i] = g;
      }
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) {
        state = advance(state);
        const m = scale * +(mix(state) >= threshold);
        const a = Math.tanh(z[i]);
        z[i] = a * m;
        gate[i] = (1 - a * a) * m;
      }
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        state = advance(state);
        const m = scale * +(mix(state) >= threshold);
        const a = 1 / (1 + Math.exp(-z[i]));
        z[i] = a * m;
        gate[i] = a * (1 - a) * m;
      }
      break;
  }
  maskState[0] = state;
}

/** Eval-mode activation (dropout is the identity at inference), in place on `z`; branch-free like activateTrain. */
export function activateEval(activation: Activation, z: Float64Array, n: number): void {
  switch (activation) {
    case 'relu':
      for (let i = 0; i < n; i++) z[i] *= +(z[i] > 0);
      return;
    case 'leaky_relu':
      for (let i = 0; i < n; i++) z[i] *= LEAKY_SLOPE + (1 - LEAKY_SLOPE) * +(z[i] > 0);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) z[i] = Math.tanh(z[i]);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) z[i] = 1 / (1 + Math.exp(-z[i]));
      return;
  }
}
