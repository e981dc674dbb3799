/**
 * The assessor that runs without Claude: rules on the training metrics and the validation
 * backtest (the input carries no holdout, and none is read), written to the strategy's
 * assessment.json (beside its YAML: `strategies/designed/<name>/` for a design) marked offline.
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AssessResultSchema, type AssessInput, type AssessResult } from '../../domain/activities';
import { noUsage } from '../../domain/models';
import { strategyFile } from '../../research/files';
import { StrategySchema, type Strategy } from '../../research/schema';
import { writeAssessment } from '../assessmentFile';
import { designerMemoryCaveat } from '../memoryCaveat';
import { metricsWithUnits } from '../metricsWithUnits';
import { judge } from './assessmentRules';

export interface OfflineAssessOptions {
  strategiesDir: string;
  dataDir: string;
}

/** The strategy, for suggestions that name its settings; the assessment stands without it. */
function readStrategy(name: string, strategiesDir: string): Strategy | undefined {
  try {
    const parsed = StrategySchema.safeParse(parseYaml(fs.readFileSync(strategyFile(name, strategiesDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function assessOffline(input: AssessInput & OfflineAssessOptions): AssessResult {
  const { strategiesDir, dataDir } = input;
  const metrics = metricsWithUnits(input.training, input.backtest);
  const content = judge(metrics, readStrategy(input.strategyName, strategiesDir), input.strategyName);
  const memoryWarning = designerMemoryCaveat(input.strategyName, { strategiesDir, dataDir });
  const assessmentPath = writeAssessment(
    input.strategyName,
    {
      ...content,
      assessed_at: new Date().toISOString(),
      cycle_id: input.cycleId,
      model: 'offline',
      offline: true,
      metrics,
      ...(memoryWarning && { memory_warning: memoryWarning }),
    },
    strategiesDir,
  );
  return AssessResultSchema.parse({
    verdict: content.verdict,
    assessmentPath,
    offline: true,
    usage: noUsage('offline'),
    hypotheses: content.hypotheses,
    memoryWarning,
  });
}
