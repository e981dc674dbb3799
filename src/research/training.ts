/**
 * Trains a strategy's model (spec §4): validate with the one validator, build the rows,
 * fit the MLP with early stopping on the validation split, save the model, report. The
 * holdout (the `test` split) is not touched: it belongs to the backtest, reported apart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildDataset } from '../engine/features/dataset';
import { classBalance, CLASS_NAMES } from '../engine/features/labels';
import { chanceLoss, evaluate, train, type TrainingProgress } from '../engine/neural';
import { readCheckpoint, rowsSha256, saveCheckpoint, type CheckpointKey } from '../engine/neural/checkpoint';
import { saveModelFile, sha256 } from '../engine/neural/modelFile';
import { misfit, type TrainingState } from '../engine/neural/trainingState';
import { writeFileAtomic } from '../writeFileAtomic';
import { modelDir } from './files';
import { fitSettings, strategyNetwork } from './fitSettings';
import { readStrategy } from './readStrategy';
import { strategyMarkets } from './schema';
import { TrainingReportSchema, type TrainingReport } from './trainingReport';

/** A resumed training's progress says so from its first report on. */
export type StrategyTrainingProgress = TrainingProgress & Resumption;
type Resumption = Pick<TrainingReport, 'resumedFrom' | 'startedOver'>;

/**
 * Checkpoints go to a file every CHECKPOINT_EVERY.epochs epochs, or at the end of the first
 * epoch after CHECKPOINT_EVERY.ms, and when training is stopped: a stopped service loses a
 * few epochs at most, and a checkpoint (a few copies of the weights and the row order)
 * costs next to nothing beside a few epochs.
 */
export const CHECKPOINT_EVERY = { epochs: 5, ms: 60_000 };

export interface TrainOptions {
  /** The market data it trains on. */
  dataDir: string;
  /** The model goes to `<modelsDir>/<strategy>/`. */
  modelsDir: string;
  signal?: AbortSignal;
  /**
   * Where this training keeps its checkpoint. With `resumeFrom` — the id of the run that left
   * the file there (the services' operation id) — it first resumes from it when the file
   * belongs to this same strategy text and data, and otherwise starts over and says why.
   */
  checkpoint?: { file: string; resumeFrom?: string };
  onProgress?: (progress: StrategyTrainingProgress) => void;
}

const triple = (xs: number[]) => [xs[0], xs[1], xs[2]] as [number, number, number];

export async function trainStrategy(strategyPath: string, options: TrainOptions): Promise<TrainingReport> {
  const text = fs.readFileSync(strategyPath, 'utf8');
  const { strategy, data: validated } = readStrategy(text, path.basename(strategyPath), options.dataDir);
  const { symbols, timeframe } = strategyMarkets(strategy);
  const data = buildDataset(strategy, validated.series, { indicators: validated.indicators });

  const settings = strategy.model.training;
  const model = strategyNetwork(strategy, data.columns.length);
  const { checkpoint } = options;
  const key: CheckpointKey | undefined = checkpoint && { strategySha256: sha256(text), dataSha256: rowsSha256(data.train, data.validation) };
  const { state: resume, ...resumption } =
    checkpoint?.resumeFrom && key
      ? resumeFrom(checkpoint.file, key, checkpoint.resumeFrom, {
          params: model.params.length,
          rows: data.train.rows,
          epochs: settings.epochs,
          batches: Math.ceil(data.train.rows / settings.batch_size),
        })
      : {};
  const onProgress = options.onProgress;
  const result = await train(model, {
    xTrain: data.train.x,
    yTrain: data.train.y,
    xVal: data.validation.x,
    yVal: data.validation.y,
    ...fitSettings(strategy),
    signal: options.signal,
    resume,
    checkpoint: checkpoint &&
      key && { everyEpochs: CHECKPOINT_EVERY.epochs, everyMs: CHECKPOINT_EVERY.ms, save: (state) => saveCheckpoint(checkpoint.file, key, state) },
    onProgress: onProgress && ((progress) => onProgress({ ...progress, ...resumption })),
  });

  const validation = evaluate(model, data.validation.x, data.validation.y);
  const dir = modelDir(strategy.name, options.modelsDir);
  const modelPath = path.join(dir, 'model.json');
  saveModelFile(modelPath, {
    format: 'ktrdr-agent/model',
    version: 1,
    strategy: strategy.name,
    strategySha256: sha256(text),
    trainedAt: new Date().toISOString(),
    symbols,
    timeframe,
    classes: [...CLASS_NAMES],
    columns: data.columns,
    scaler: data.scaler,
    splits: data.splits,
    network: model.toJSON(),
  });
  const report = TrainingReportSchema.parse({
    strategy: strategy.name,
    modelPath,
    symbols,
    timeframe,
    features: data.columns.length,
    parameters: model.parameterCount,
    rows: { train: data.train.rows, validation: data.validation.rows },
    metrics: {
      accuracy: validation.accuracy,
      loss: validation.loss,
      initialTrainLoss: result.initialTrainLoss,
      finalTrainLoss: result.finalTrainLoss,
      epochsTrained: result.epochsTrained,
      chanceAccuracy: validation.chanceAccuracy,
      chanceLoss: chanceLoss(data.train.y, data.validation.y, CLASS_NAMES.length),
      chanceTrainLoss: chanceLoss(data.train.y, data.train.y, CLASS_NAMES.length),
    },
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    validation: {
      classBalance: triple(validation.classBalance),
      precision: triple(validation.perClass.map((c) => c.precision)),
      recall: triple(validation.perClass.map((c) => c.recall)),
      f1: triple(validation.perClass.map((c) => c.f1)),
      confusion: validation.confusion.map(triple),
    },
    trainClassBalance: classBalance(Int8Array.from(data.train.y)).shares,
    history: result.history,
    trainingTimeMs: result.trainingTimeMs,
    ...resumption,
  });
  writeFileAtomic(path.join(dir, 'training.json'), JSON.stringify(report, null, 2));
  return report;
}

/** The saved state to go on from, or why the training starts over. */
function resumeFrom(file: string, key: CheckpointKey, from: string, expected: Parameters<typeof misfit>[1]): Resumption & { state?: TrainingState } {
  const found = readCheckpoint(file, key);
  const problem = 'problem' in found ? found.problem : misfit(found.state, expected);
  if (problem || !('state' in found)) return { startedOver: `not resumed from ${from}: ${problem}` };
  return { state: found.state, resumedFrom: { operationId: from, epoch: found.state.epochsDone, batch: found.state.batchesDone } };
}
