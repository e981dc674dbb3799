/**
 * The design tools of spec §1.12 and what they do. Validation is the engine's one
 * validator; saving validates again, claims the name for the cycle (a name another cycle
 * or a person holds is refused) and writes strategies/designed/<name>.yaml atomically. A
 * saved name ends in the cycle's hash, like the offline designer's, so designs never
 * collide.
 */
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { TimeframeSchema, type DesignInput } from '../../domain/activities';
import { PROJECT_ROOT } from '../../paths';
import { designedStrategyFile } from '../../research/files';
import { writeFileAtomic } from '../../writeFileAtomic';
import { renderStrategy } from '../../research/render';
import { strategyMarkets } from '../../research/schema';
import { validateStrategyText, type Validation } from '../../research/validate';
import { claimStrategyName, type DesignRecord } from '../designRecord';
import { availableMarkets, indicatorCatalog } from './discovery';
import { recentStrategies } from '../memory';

const configSchema = {
  description: 'The strategy: a JSON object with the structure of the YAML template, or the YAML as a string',
  anyOf: [{ type: 'object' }, { type: 'string' }],
};

export const DESIGN_TOOLS: Anthropic.Tool[] = [
  {
    name: 'validate_strategy_config',
    description:
      'Checks a strategy with the validator training uses (indicators computed on the real data). Returns {valid, errors[], warnings[]}, each "path: message".',
    input_schema: { type: 'object', properties: { config: configSchema }, required: ['config'] },
  },
  {
    name: 'save_strategy_config',
    description: 'Validates the strategy again and saves it; a successful save ends the design. Returns {success, name, path} or {success: false, errors[]}.',
    input_schema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Short lowercase name: letters, digits, underscores (the cycle id is appended)' },
        config: configSchema,
        description: { type: 'string', description: 'One sentence: what the strategy tests' },
      },
      required: ['name', 'config', 'description'],
    },
  },
  {
    name: 'get_available_indicators',
    description: 'The full indicator catalog: parameters with ranges and defaults, outputs, and real value ranges on the shipped data.',
    input_schema: { type: 'object', properties: {} },
  },
  {
    name: 'get_available_symbols',
    description: 'Every market with data: symbol, timeframe, number of bars, first and last bar.',
    input_schema: { type: 'object', properties: {} },
  },
  {
    name: 'get_recent_strategies',
    description: 'The most recent strategies, newest first, with indicators, verdict and validation results.',
    input_schema: { type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 20, description: 'How many (default 5)' } } },
  },
];

export interface ToolOutcome {
  content: string;
  isError: boolean;
}

export interface DesignToolboxOptions {
  input: DesignInput;
  model: string;
  /** Hex digest of the cycle id: the suffix of saved names. */
  digest: string;
  strategiesDir: string;
  dataDir: string;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `My RSI-Strategy!` → `my_rsi_strategy`; a name that is no text, or keeps nothing, becomes `strategy`. */
function nameStem(raw: unknown): string {
  const stem = (typeof raw === 'string' ? raw : '')
    .toLowerCase()
    .replace(/\.ya?ml$/, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 48)
    .replace(/_+$/, '');
  return stem || 'strategy';
}

export class DesignToolbox {
  /** The validator's errors on the last config Claude sent: what a cycle that gives up reports. */
  lastProblems: string[] = [];
  saved?: DesignRecord;

  constructor(private readonly options: DesignToolboxOptions) {}

  run(name: string, input: unknown): ToolOutcome {
    const args = isMapping(input) ? input : {};
    switch (name) {
      case 'validate_strategy_config':
        return this.validate(args.config);
      case 'save_strategy_config':
        return this.save(args.name, args.config, args.description);
      case 'get_available_indicators':
        return ok(indicatorCatalog());
      case 'get_available_symbols':
        return ok(availableMarkets(this.options.dataDir));
      case 'get_recent_strategies': {
        const n = Math.min(20, Math.max(1, Math.trunc(Number(args.n ?? 5)) || 5));
        return ok(recentStrategies(n, { strategiesDir: this.options.strategiesDir }));
      }
      default:
        return fail({ error: `unknown tool '${name}': use ${DESIGN_TOOLS.map((t) => t.name).join(', ')}` });
    }
  }

  /** The config as the YAML the validator reads, with the name (and description) the save would give it. */
  private render(config: unknown, name: string, description?: unknown): string | ToolOutcome {
    if (typeof config === 'string') return renameYaml(config, name);
    if (!isMapping(config)) return fail({ valid: false, errors: ['config: send the strategy as a JSON object (or a YAML string)'] });
    const named = { ...config, name, ...(typeof description === 'string' && description.trim() && { description: description.trim() }) };
    return renderStrategy(named);
  }

  private check(yaml: string): Validation {
    const validation = validateStrategyText(yaml, { dataDir: this.options.dataDir });
    const errors = validation.problems.filter((p) => p.severity === 'error').map((p) => `${p.path || 'strategy'}: ${p.message}`);
    errors.push(...this.marketProblems(validation));
    this.lastProblems = errors;
    return { ...validation, valid: errors.length === 0 };
  }

  /** A cycle that asked for a market gets a strategy for that market. */
  private marketProblems(validation: Validation): string[] {
    const { symbol, timeframe } = this.options.input;
    if (!validation.strategy) return [];
    const markets = strategyMarkets(validation.strategy);
    const problems: string[] = [];
    if (symbol && !markets.symbols.some((s) => s.toUpperCase() === symbol.toUpperCase()))
      problems.push(`training_data.symbols: this cycle asked for ${symbol}`);
    if (timeframe && markets.timeframe !== timeframe) problems.push(`training_data.timeframes: this cycle asked for ${timeframe}`);
    return problems;
  }

  private validate(config: unknown): ToolOutcome {
    const yaml = this.render(config, isMapping(config) ? nameStem(config.name) : 'draft');
    if (typeof yaml !== 'string') return yaml;
    const validation = this.check(yaml);
    const warnings = validation.problems.filter((p) => p.severity === 'warning').map((p) => `${p.path}: ${p.message}`);
    return { content: JSON.stringify({ valid: validation.valid, errors: this.lastProblems, warnings }), isError: false };
  }

  private save(rawName: unknown, config: unknown, description: unknown): ToolOutcome {
    const { input, digest, strategiesDir, model } = this.options;
    // one strategy per cycle, even when a reply asks for two saves
    if (this.saved) return fail({ success: false, errors: [`this cycle already saved ${this.saved.strategy}; one strategy per cycle`] });
    const stem = nameStem(rawName);
    const names = [6, 12].map((length) => `${stem}_${digest.slice(0, length)}`);
    const first = this.render(config, names[0], description);
    if (typeof first !== 'string') return first;
    const validation = this.check(first);
    if (!validation.valid || !validation.strategy) return fail({ success: false, errors: this.lastProblems });
    const markets = strategyMarkets(validation.strategy);
    for (const name of names) {
      const record: DesignRecord = {
        cycle_id: input.cycleId,
        strategy: name,
        symbol: markets.symbols[0],
        timeframe: TimeframeSchema.parse(markets.timeframe),
        designed_at: new Date().toISOString(),
        model,
        offline: false,
        ...(input.brief && { brief: input.brief }),
      };
      if (!claimStrategyName(record, strategiesDir)) continue;
      const file = designedStrategyFile(name, strategiesDir);
      writeFileAtomic(file, name === names[0] ? first : (this.render(config, name, description) as string));
      this.saved = record;
      return ok({ success: true, name, path: path.relative(PROJECT_ROOT, file), message: `Saved as ${name}. The design is done.` });
    }
    return fail({ success: false, errors: [`names ${names.join(', ')} belong to other strategies: save under another name`] });
  }
}

/** A YAML string keeps its own text; only its name becomes the one it is checked and saved under. */
function renameYaml(yaml: string, name: string): string {
  return /^name:.*$/m.test(yaml) ? yaml.replace(/^name:.*$/m, `name: ${name}`) : `name: ${name}\n${yaml}`;
}

const ok = (value: unknown): ToolOutcome => ({ content: JSON.stringify(value), isError: false });
const fail = (value: unknown): ToolOutcome => ({ content: JSON.stringify(value), isError: true });
