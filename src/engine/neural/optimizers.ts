/**
 * The optimisers a strategy may name (PyTorch's Adam, SGD and RMSprop, with their defaults), their
 * state for a checkpoint, and gradient clipping.
 */
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface OptimizerOptions {
  learningRate: number;
  /**
   * L2 penalty added to the gradient (g + λ·w) before the update, for every optimiser and
   * every parameter, biases included: PyTorch's `weight_decay` on Adam/SGD/RMSprop, which
   * is what KTRDR trained with (Adam, 1e-4). Not AdamW's decoupled decay: under Adam this
   * penalty is rescaled per weight like the gradient is.
   */
  weightDecay?: number;
  /** SGD momentum (PyTorch's, no dampening): 0.9 unless given. */
  momentum?: number;
}

/** What an optimiser has learnt besides the weights, for a checkpoint. */
interface OptimizerState {
  /** Steps taken, which Adam's bias correction reads (0 for the others, which do not count). */
  steps: number;
  /** Its per-parameter buffers: Adam's m and v, SGD's momentum, RMSprop's v. */
  buffers: Float64Array[];
}

export interface Optimizer {
  /** Updates `params` in place from `grads`. */
  step(params: Float64Array, grads: Float64Array): void;
  /** A copy of its state. */
  save(): OptimizerState;
  /** Continues from a state saved by an optimiser of the same kind and size; throws on one that does not fit. */
  restore(state: OptimizerState): void;
}

/** The state keeping shared by the three: buffers of the parameters' size and a step count. */
abstract class Buffered {
  protected t = 0;

  constructor(private readonly buffers: Float64Array[]) {}

  save(): OptimizerState {
    return { steps: this.t, buffers: this.buffers.map((buffer) => buffer.slice()) };
  }

  restore(state: OptimizerState): void {
    const fits = state.buffers.length === this.buffers.length && state.buffers.every((buffer, i) => buffer.length === this.buffers[i].length);
    if (!fits)
      throw new Error(
        `the saved optimiser state has ${state.buffers.length} buffers of ${state.buffers.map((b) => b.length).join(', ')} values, not ${this.buffers.length} of ${this.buffers[0].length}`,
      );
    this.t = state.steps;
    state.buffers.forEach((buffer, i) => this.buffers[i].set(buffer));
  }
}

/** PyTorch's Adam: betas (0.9, 0.999), eps 1e-8 added to the bias-corrected √v. */
class Adam extends Buffered implements Optimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  constructor(
    size: number,
    private readonly lr: number,
    private readonly weightDecay: number,
  ) {
    const m = new Float64Array(size);
    const v = new Float64Array(size);
    super([m, v]);
    this.m = m;
    this.v = v;
  }

  step(params: Float64Array, grads: Float64Array): void {
    const { m, v, weightDecay } = this;
    const beta1 = 0.9;
    const beta2 = 0.999;
    this.t++;
    const stepSize = this.lr / (1 - beta1 ** this.t);
    const invRootCorrection2 = 1 / Math.sqrt(1 - beta2 ** this.t);
    for (let i = 0; i < params.length; i++) {
      const g = grads[i] + weightDecay * params[i];
      const mi = (m[i] = beta1 * m[i] + (1 - beta1) * g);
      const vi = (v[i] = beta2 * v[i] + (1 - beta2) * g * g);
      params[i] -= (stepSize * mi) / (Math.sqrt(vi) * invRootCorrection2 + 1e-8);
    }
  }
}

/** PyTorch's SGD with momentum (buffer = μ·buffer + g; w −= lr·buffer). */
class Sgd extends Buffered implements Optimizer {
  private readonly buffer: Float64Array;

  constructor(
    size: number,
    private readonly lr: number,
    private readonly weightDecay: number,
    private readonly momentum: number,
  ) {
    const buffer = new Float64Array(size);
    super([buffer]);
    this.buffer = buffer;
  }

  step(params: Float64Array, grads: Float64Array): void {
    const { buffer, weightDecay, momentum, lr } = this;
    for (let i = 0; i < params.length; i++) {
      const b = (buffer[i] = momentum * buffer[i] + grads[i] + weightDecay * params[i]);
      params[i] -= lr * b;
    }
  }
}

/** PyTorch's RMSprop defaults: α 0.99, eps 1e-8 added to √v, no momentum. */
class RmsProp extends Buffered implements Optimizer {
  private readonly v: Float64Array;

  constructor(
    size: number,
    private readonly lr: number,
    private readonly weightDecay: number,
  ) {
    const v = new Float64Array(size);
    super([v]);
    this.v = v;
  }

  step(params: Float64Array, grads: Float64Array): void {
    const { v, weightDecay, lr } = this;
    const alpha = 0.99;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i] + weightDecay * params[i];
      const vi = (v[i] = alpha * v[i] + (1 - alpha) * g * g);
      params[i] -= (lr * g) / (Math.sqrt(vi) + 1e-8);
    }
  }
}

export function createOptimizer(name: OptimizerName, size: number, options: OptimizerOptions): Optimizer {
  const weightDecay = options.weightDecay ?? 0;
  switch (name) {
    case 'adam':
      return new Adam(size, options.learningRate, weightDecay);
    case 'sgd':
      return new Sgd(size, options.learningRate, weightDecay, options.momentum ?? 0.9);
    case 'rmsprop':
      return new RmsProp(size, options.learningRate, weightDecay);
  }
}

/**
 * Scales `grads` so their global L2 norm is at most `maxNorm` (PyTorch's clip_grad_norm_,
 * same 1e-6 guard); returns the norm before clipping.
 */
export function clipGradNorm(grads: Float64Array, maxNorm: number): number {
  let sumSquares = 0;
  for (let i = 0; i < grads.length; i++) sumSquares += grads[i] * grads[i];
  const norm = Math.sqrt(sumSquares);
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) for (let i = 0; i < grads.length; i++) grads[i] *= scale;
  return norm;
}
