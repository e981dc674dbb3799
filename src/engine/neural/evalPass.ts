/** The network's forward pass for inference, over a dataset of any size. */
import { activateEval, type Activation } from './activations';
import { linearForward, type LayerShape } from './linear';

/** What the pass reads of a network (an Mlp): its sizes and activation, and its live weights. */
export interface DenseNetwork {
  readonly config: { readonly inputSize: number; readonly activation: Activation };
  readonly layers: readonly LayerShape[];
  weights(layer: LayerShape): Float64Array;
  bias(layer: LayerShape): Float64Array;
}

/**
 * Eval-mode forward pass (no dropout) over a dataset in fixed-size chunks, so inference
 * on a million rows needs buffers for 256 of them and no allocation per row. The pass
 * reads the model's weights live: it sees every update made after it was built.
 */
export class EvalPass {
  readonly chunk: number;
  private readonly input: Float64Array;
  private readonly outputs: Float64Array[];
  private readonly weights: Float64Array[];
  private readonly biases: Float64Array[];

  constructor(
    private readonly model: DenseNetwork,
    chunk = 256,
  ) {
    this.chunk = chunk;
    this.input = new Float64Array(chunk * model.config.inputSize);
    this.outputs = model.layers.map((layer) => new Float64Array(chunk * layer.outSize));
    this.weights = model.layers.map((layer) => model.weights(layer));
    this.biases = model.layers.map((layer) => model.bias(layer));
  }

  /** Rows in x, which must be a whole number of rows of inputSize. */
  rowCount(x: Float32Array): number {
    const d = this.model.config.inputSize;
    if (x.length % d !== 0) throw new Error(`input has ${x.length} values, not a multiple of ${d} features`);
    return x.length / d;
  }

  /** Logits of rows [from, from + rows) of x, rows ≤ chunk; the buffer is reused by the next call. */
  logits(x: Float32Array, from: number, rows: number): Float64Array {
    const { model } = this;
    const d = model.config.inputSize;
    this.input.set(x.subarray(from * d, (from + rows) * d));
    let current = this.input;
    const last = model.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const layer = model.layers[l];
      const z = this.outputs[l];
      linearForward(current, this.weights[l], this.biases[l], z, rows, layer.inSize, layer.outSize);
      if (l < last) activateEval(model.config.activation, z, rows * layer.outSize);
      current = z;
    }
    return current;
  }
}
