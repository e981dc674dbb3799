import fs from 'node:fs';
import path from 'node:path';
import { modelDir } from './files';
import { buildDataset } from '../engine/features/dataset';
import { loadModelFile } from '../engine/neural/modelFile';
import { evaluate, Mlp, type Evaluation } from '../engine/neural';
import { strategySeries } from './strategyData';
import { strategyFromText } from './training';

/**
 * Classification metrics of a trained model on its holdout (the `test` split). Only for
 * a researcher who asks, and for the look-ahead canary: nothing that designs or tunes a
 * strategy reads it, so the holdout stays an honest estimate.
 */
export function evaluateHoldout(strategyPath: string, options: { dataDir: string; modelsDir: string }): Evaluation {
  const { dataDir } = options;
  const strategy = strategyFromText(fs.readFileSync(strategyPath, 'utf8'), path.basename(strategyPath), dataDir);
  const model = loadModelFile(path.join(modelDir(strategy.name, options.modelsDir), 'model.json'));
  const { test } = buildDataset(strategy, strategySeries(strategy, dataDir), { includeTest: true });
  return evaluate(Mlp.fromJSON(model.network), test!.x, test!.y);
}
