/**
 * The caveat an assessment carries when the model that designed the strategy may remember the
 * period the strategy was judged on (its validation split): read from the strategy's design
 * record (which model) and its data (when that period ends).
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { evaluationPeriods } from '../research/evaluationPeriods';
import { strategyFile } from '../research/files';
import { StrategySchema } from '../research/schema';
import { readDesignRecord } from './designRecord';
import { memoryWarning } from './modelMemory';

/**
 * The caveat, or undefined: a person's strategy and an offline design have no designer that can
 * remember. A strategy or data that no longer reads gives none either — the assessment stands
 * without it, as the rest of an assessment does without its strategy.
 */
export function designerMemoryCaveat(strategyName: string, { strategiesDir, dataDir }: { strategiesDir: string; dataDir: string }): string | undefined {
  const design = readDesignRecord(strategyName, strategiesDir);
  if (!design || design.offline) return undefined;
  try {
    const strategy = StrategySchema.parse(parseYaml(fs.readFileSync(strategyFile(strategyName, strategiesDir), 'utf8')));
    return memoryWarning({ model: design.model, periodEnd: evaluationPeriods(strategy, dataDir).validation.end });
  } catch {
    return undefined;
  }
}
