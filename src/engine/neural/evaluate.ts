/**
 * How well a model classifies: loss, accuracy, confusion matrix and per-class metrics, and the
 * chance loss a model must beat.
 */
import { checkFeatures, checkLabels, type Labels } from './dataset';
import { EvalPass } from './evalPass';
import type { Mlp } from './mlp';
import { emptySums, softmaxCrossEntropy } from './softmaxCrossEntropy';

interface ClassMetrics {
  /** Of the rows predicted as this class, the share that were; 0 when it is never predicted. */
  precision: number;
  /** Of the rows of this class, the share predicted as it; 0 when the class is absent. */
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  perClass: ClassMetrics[];
  /** Precision, recall and F1 averaged with weights = support (KTRDR's test metrics). */
  weighted: { precision: number; recall: number; f1: number };
  /** Share of each true class among the rows. */
  classBalance: number[];
  /**
   * Accuracy of always predicting the most frequent class of these rows: the bar a model
   * must clear to have learnt anything (≈ 50 % on zigzag labels, spec §8 #14).
   */
  chanceAccuracy: number;
}

export interface Evaluation extends ClassificationMetrics {
  rows: number;
  /** Mean cross-entropy, class-weighted only when weights are passed. */
  loss: number;
  /** confusion[true][predicted] = rows. */
  confusion: number[][];
}

/** Metrics of a confusion matrix (rows = true class, columns = predicted class). */
export function classificationMetrics(confusion: number[][]): ClassificationMetrics {
  const k = confusion.length;
  let total = 0;
  let correct = 0;
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = confusion[0].map((_, c) => confusion.reduce((a, row) => a + row[c], 0));
  for (let c = 0; c < k; c++) {
    total += support[c];
    correct += confusion[c][c];
  }
  if (total === 0) throw new Error('no rows to evaluate');
  const perClass = confusion.map((row, c): ClassMetrics => {
    const precision = predicted[c] > 0 ? row[c] / predicted[c] : 0;
    const recall = support[c] > 0 ? row[c] / support[c] : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support: support[c] };
  });
  const weightedMean = (pick: (m: ClassMetrics) => number) => perClass.reduce((a, m) => a + pick(m) * m.support, 0) / total;
  return {
    accuracy: correct / total,
    perClass,
    weighted: { precision: weightedMean((m) => m.precision), recall: weightedMean((m) => m.recall), f1: weightedMean((m) => m.f1) },
    classBalance: support.map((s) => s / total),
    chanceAccuracy: Math.max(...support) / total,
  };
}

/**
 * Cross-entropy on `y` of always predicting the class shares of `reference`: the loss of a model
 * that learnt how often each class occurs and nothing from its features — the loss a model must
 * beat (spec §8 #14), on a scale set by the class balance. The shares are add-one smoothed, so a
 * class `reference` never saw costs a finite loss; on thousands of rows that moves nothing else.
 */
export function chanceLoss(reference: Labels, y: Labels, classes: number): number {
  const counts = new Float64Array(classes);
  for (const label of checkLabels(reference, reference.length, classes, 'reference')) counts[label]++;
  const logShare = Array.from(counts, (c) => Math.log((c + 1) / (reference.length + classes)));
  let sum = 0;
  for (const label of checkLabels(y, y.length, classes, 'y')) sum -= logShare[label];
  return sum / y.length;
}

/** Eval-mode loss (class-weighted when weights are given) and accuracy over a dataset. */
export function lossAndAccuracy(model: Mlp, x: Float32Array, y: Int32Array, classWeights: Float64Array | null): { loss: number; accuracy: number } {
  const pass = new EvalPass(model);
  const rows = pass.rowCount(x);
  const sums = emptySums();
  for (let from = 0; from < rows; from += pass.chunk) {
    const count = Math.min(pass.chunk, rows - from);
    softmaxCrossEntropy(pass.logits(x, from, count), y.subarray(from, from + count), count, model.config.outputSize, classWeights, sums, null);
  }
  return { loss: sums.loss / sums.weight, accuracy: sums.correct / rows };
}

/** Loss, accuracy, confusion matrix and per-class metrics of the model on (x, y), in eval mode. */
export function evaluate(model: Mlp, x: Float32Array, y: Labels, options: { classWeights?: ArrayLike<number> } = {}): Evaluation {
  const k = model.config.outputSize;
  const rows = checkFeatures(x, model.config.inputSize, 'x');
  if (rows === 0) throw new Error('no rows to evaluate');
  const labels = checkLabels(y, rows, k, 'y');
  const classWeights = options.classWeights ? Float64Array.from(options.classWeights) : null;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const pass = new EvalPass(model);
  const sums = emptySums();
  for (let from = 0; from < rows; from += pass.chunk) {
    const count = Math.min(pass.chunk, rows - from);
    const logits = pass.logits(x, from, count);
    softmaxCrossEntropy(logits, labels.subarray(from, from + count), count, k, classWeights, sums, null);
    for (let r = 0; r < count; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (logits[r * k + c] > logits[r * k + best]) best = c;
      confusion[labels[from + r]][best]++;
    }
  }
  return { rows, loss: sums.loss / sums.weight, confusion, ...classificationMetrics(confusion) };
}
