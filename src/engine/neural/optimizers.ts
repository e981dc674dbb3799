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

export interface Optimizer {
  /** Updates `params` in place from `grads`. */
  step(params: Float64Array, grads: Float64Array): void;
}

/** PyTorch's Adam: betas (0.9, 0.999), eps 1e-8 added to the bias-corrected √v. */
class Adam implements Optimizer {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly lr: number,
    private readonly weightDecay: number,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
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
class Sgd implements Optimizer {
  private readonly buffer: Float64Array;

  constructor(
    size: number,
    private readonly lr: number,
    private readonly weightDecay: number,
    private readonly momentum: number,
  ) {
    this.buffer = new Float64Array(size);
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
class RmsProp implements Optimizer {
  private readonly v: Float64Array;

  constructor(
    size: number,
    private readonly lr: number,
    private readonly weightDecay: number,
  ) {
    this.v = new Float64Array(size);
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
