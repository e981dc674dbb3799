/**
 * Classification metrics of a trained model on its holdout (the `test` split). Only for
 * a researcher who asks, and for the look-ahead canary: nothing that designs or tunes a
 * strategy reads it, so the holdout stays an honest estimate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildDataset } from '../engine/features/dataset';
import { evaluate, Mlp, type Evaluation } from '../engine/neural';
import { loadModelFile } from '../engine/neural/modelFile';
import { modelDir } from './files';
import { readStrategy } from './readStrategy';

export function evaluateHoldout(strategyPath: string, options: { dataDir: string; modelsDir: string }): Evaluation & { strategy: string } {
  const { strategy, data } = readStrategy(fs.readFileSync(strategyPath, 'utf8'), path.basename(strategyPath), options.dataDir);
  const model = loadModelFile(path.join(modelDir(strategy.name, options.modelsDir), 'model.json'));
  const { test } = buildDataset(strategy, data.series, { includeTest: true, indicators: data.indicators });
  return { strategy: strategy.name, ...evaluate(Mlp.fromJSON(model.network), test!.x, test!.y) };
}
