/**
 * The output layer's loss, softmax cross-entropy (with its gradient), and the running sums of loss
 * and accuracy over batches.
 */

/** Running sums over rows: the weighted loss is `loss / weight`, accuracy is `correct / rows`. */
export interface LossSums {
  loss: number;
  weight: number;
  correct: number;
}

export const emptySums = (): LossSums => ({ loss: 0, weight: 0, correct: 0 });

/**
 * Softmax cross-entropy over `rows` rows of `k` logits, added to `sums`, with PyTorch's
 * CrossEntropyLoss(weight) meaning: the batch loss is Σ w[y]·(−log p_y) / Σ w[y], so with
 * unit weights it is the plain mean. log-sum-exp is taken after subtracting the row
 * maximum so large logits cannot overflow. When `dLogits` is given it receives the
 * gradient of the batch loss, w[y]·(p − onehot(y)) / Σ w[y]. A row's prediction is its
 * first largest logit, as argmax does.
 */
export function softmaxCrossEntropy(
  logits: Float64Array,
  labels: Int32Array,
  rows: number,
  k: number,
  classWeights: Float64Array | null,
  sums: LossSums,
  dLogits: Float64Array | null,
): void {
  let batchLoss = 0;
  let batchWeight = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    const y = labels[r];
    let max = logits[o];
    let best = 0;
    for (let c = 1; c < k; c++) {
      if (logits[o + c] > max) {
        max = logits[o + c];
        best = c;
      }
    }
    if (best === y) sums.correct++;
    let total = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(logits[o + c] - max);
      if (dLogits !== null) dLogits[o + c] = e;
      total += e;
    }
    const w = classWeights === null ? 1 : classWeights[y];
    batchLoss += w * (max + Math.log(total) - logits[o + y]);
    batchWeight += w;
  }
  sums.loss += batchLoss;
  sums.weight += batchWeight;
  if (dLogits === null) return;
  // A batch whose classes all weigh 0 teaches nothing; 1/0 would poison the weights.
  const scale = batchWeight > 0 ? 1 / batchWeight : 0;
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    const y = labels[r];
    const w = (classWeights === null ? 1 : classWeights[y]) * scale;
    let total = 0;
    for (let c = 0; c < k; c++) total += dLogits[o + c];
    const f = w / total;
    for (let c = 0; c < k; c++) dLogits[o + c] *= f;
    dLogits[o + y] -= w;
  }
}
