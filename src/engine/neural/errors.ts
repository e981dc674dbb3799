/** How a training ends early: cancelled, or diverged. */

/** Training stopped because its AbortSignal fired; `epoch` and `batch` (1-based) say where. */
export class TrainingCancelled extends Error {
  override readonly name = 'TrainingCancelled';

  constructor(
    readonly epoch: number,
    readonly batch: number,
  ) {
    super(`training cancelled at epoch ${epoch}, batch ${batch}`);
  }
}

/** The loss became NaN or infinite: the steps are too large for this data. */
export class TrainingDiverged extends Error {
  override readonly name = 'TrainingDiverged';

  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly loss: number,
    learningRate: number,
  ) {
    super(
      `training diverged: loss ${loss} at epoch ${epoch}, batch ${batch} with learning rate ${learningRate}; ` +
        'lower the learning rate (or enable gradient clipping)',
    );
  }
}
