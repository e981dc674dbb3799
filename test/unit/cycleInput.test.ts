import { describe, expect, test } from 'vitest';
import { parseCycleInput, type CycleInput, type ParsedInput } from '../../src/domain/cycle';
import { GateThresholdsSchema } from '../../src/domain/gates';

/** Baseline-relative margins; KTRDR's absolute thresholds are unset unless asked for. */
const DEFAULT_GATES = {
  training: { minAccuracyLift: 0.03, minLossImprovement: 0.02, minTrainLossImprovement: 0.02 },
  backtest: { minTrades: 5, minReturn: 0, maxDrawdown: 0.4, minSameStakeT: -2 },
};

function accepted(result: ParsedInput): CycleInput {
  if (!result.ok) throw new Error(`expected the input to be accepted, got: ${result.problems.join('; ')}`);
  return result.input;
}

function problems(result: ParsedInput): string[] {
  if (result.ok) throw new Error(`expected the input to be rejected, got: ${JSON.stringify(result.input)}`);
  return result.problems;
}

describe('parseCycleInput: defaults', () => {
  test.each([
    ['an empty object', {}],
    ['undefined (no argument at all)', undefined],
    ['null', null],
  ])('%s starts a cycle with sonnet (not forced offline), gates enforced, baseline-relative thresholds', (_, raw) => {
    const input = accepted(parseCycleInput(raw));
    expect(input).toEqual({ model: 'claude-sonnet-5-5', offline: false, bypassGates: false, gates: DEFAULT_GATES });
  });

  test('brief, symbol and timeframe stay unset when not given (the designer chooses)', () => {
    const input = accepted(parseCycleInput({}));
    expect(input.brief).toBeUndefined();
    expect(input.symbol).toBeUndefined();
    expect(input.timeframe).toBeUndefined();
  });

  test('the default gates are the same as the thresholds schema on its own', () => {
    expect(accepted(parseCycleInput({})).gates).toEqual(GateThresholdsSchema.parse({}));
  });

  test('a full request is kept as given', () => {
    const input = accepted(
      parseCycleInput({
        brief: 'mean reversion on EURUSD with an ADX trend filter',
        symbol: 'EURUSD',
        timeframe: '1h',
        model: 'claude-opus-4-8',
        offline: true,
        bypassGates: true,
        gates: { training: { minAccuracy: 0.5 }, backtest: { minTrades: 25 } },
      }),
    );
    expect(input).toEqual({
      brief: 'mean reversion on EURUSD with an ADX trend filter',
      symbol: 'EURUSD',
      timeframe: '1h',
      model: 'claude-opus-4-8',
      offline: true,
      bypassGates: true,
      gates: {
        training: { ...DEFAULT_GATES.training, minAccuracy: 0.5 },
        backtest: { ...DEFAULT_GATES.backtest, minTrades: 25 },
      },
    });
  });

  test('the brief is trimmed', () => {
    expect(accepted(parseCycleInput({ brief: '  \n momentum on SP500 daily \t ' })).brief).toBe('momentum on SP500 daily');
  });

  test.each(['EURUSD', 'SP500', 'BRK.B', 'BTC-USD', 'es_f'])('accepts the symbol %s', (symbol) => {
    expect(accepted(parseCycleInput({ symbol })).symbol).toBe(symbol);
  });

  test.each(['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w'])('accepts the timeframe %s', (timeframe) => {
    expect(accepted(parseCycleInput({ timeframe })).timeframe).toBe(timeframe);
  });
});

describe('parseCycleInput: model', () => {
  test.each([
    ['opus', 'claude-opus-5-5'],
    ['sonnet', 'claude-sonnet-5-5'],
    ['haiku', 'claude-haiku-5-5'],
    ['Opus', 'claude-opus-5-5'],
    ['HAIKU', 'claude-haiku-5-5'],
    [' sonnet ', 'claude-sonnet-5-5'],
    ['claude-sonnet-4-6', 'claude-sonnet-4-6'],
    ['Claude-Haiku-4-5', 'claude-haiku-4-5'],
  ])('%j runs as %s', (model, id) => {
    expect(accepted(parseCycleInput({ model })).model).toBe(id);
  });

  test('an unknown model is rejected with the valid choices named', () => {
    const [problem, ...rest] = problems(parseCycleInput({ model: 'gpt-4o' }));
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^model: unknown model 'gpt-4o': use opus, sonnet, haiku or one of /);
    for (const id of ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-sonnet-4-6', 'claude-haiku-4-5']) {
      expect(problem).toContain(id);
    }
  });

  test.each(['', 'claude', 'claude-sonnet', 'sonnet-5-5', 'claude-sonnet-5-5-latest'])('rejects the near miss %j', (model) => {
    expect(problems(parseCycleInput({ model }))[0]).toContain(`unknown model '${model}'`);
  });

  test('a model that is not a string is rejected', () => {
    expect(problems(parseCycleInput({ model: 3 }))).toEqual(['model: Invalid input: expected string, received number']);
  });

  // Names of Object.prototype's members must not resolve to the inherited members.
  test.each(['constructor', '__proto__'])('rejects the prototype member name %j as a model', (model) => {
    expect(parseCycleInput({ model }).ok).toBe(false);
  });
});

describe('parseCycleInput: rejections', () => {
  test('an unknown key is an error, not silently ignored', () => {
    expect(problems(parseCycleInput({ modle: 'opus' }))).toEqual(['input: Unrecognized key: "modle"']);
  });

  test('an unknown key inside the gates names its path', () => {
    expect(problems(parseCycleInput({ gates: { backtest: { minSharp: 0 } } }))).toEqual(['gates.backtest: Unrecognized key: "minSharp"']);
  });

  test('an out-of-range threshold names its path', () => {
    const [problem] = problems(parseCycleInput({ gates: { training: { minAccuracy: 45 } } }));
    expect(problem).toMatch(/^gates\.training\.minAccuracy: /);
  });

  test.each([
    ['an empty brief', { brief: '' }, 'brief'],
    ['a brief of only spaces', { brief: '   \n ' }, 'brief'],
    ['a brief over 4000 characters', { brief: 'x'.repeat(4001) }, 'brief'],
    ['a symbol with a slash', { symbol: 'EUR/USD' }, 'symbol'],
    ['a symbol with a space', { symbol: 'EUR USD' }, 'symbol'],
    ['an empty symbol', { symbol: '' }, 'symbol'],
    ['a symbol that could climb out of a folder', { symbol: '../etc' }, 'symbol'],
    ['a symbol over 32 characters', { symbol: 'A'.repeat(33) }, 'symbol'],
    ['an unsupported timeframe', { timeframe: '2h' }, 'timeframe'],
    ['a timeframe in other words', { timeframe: 'hourly' }, 'timeframe'],
    ['an upper-case timeframe', { timeframe: '1H' }, 'timeframe'],
    ['bypassGates as a string', { bypassGates: 'yes' }, 'bypassGates'],
  ])('rejects %s', (_, raw, path) => {
    const found = problems(parseCycleInput(raw));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${path}: `));
  });

  test('a brief of exactly 4000 characters is accepted', () => {
    expect(accepted(parseCycleInput({ brief: 'x'.repeat(4000) })).brief).toHaveLength(4000);
  });

  test('a bad symbol says what a symbol looks like', () => {
    expect(problems(parseCycleInput({ symbol: 'EUR/USD' }))).toEqual(['symbol: a symbol like EURUSD or SP500']);
  });

  test('a bad timeframe lists the valid ones', () => {
    const [problem] = problems(parseCycleInput({ timeframe: '2h' }));
    for (const tf of ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w']) expect(problem).toContain(`"${tf}"`);
  });

  test.each([
    ['a string', 'momentum on EURUSD'],
    ['an array', [{ model: 'opus' }]],
    ['a number', 42],
  ])('rejects %s instead of an object, at path "input"', (_, raw) => {
    const found = problems(parseCycleInput(raw));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^input: /);
  });

  test('lists every problem at once, each with its path', () => {
    const found = problems(
      parseCycleInput({
        brief: '   ',
        symbol: 'EUR/USD',
        timeframe: '2h',
        model: 'gpt-4o',
        gates: { training: { minAcuracy: 0.5 }, backtest: { maxDrawdown: 2 } },
        extra: true,
      }),
    );
    const paths = found.map((p) => p.slice(0, p.indexOf(':')));
    expect(paths.sort()).toEqual(['brief', 'symbol', 'timeframe', 'model', 'gates.training', 'gates.backtest.maxDrawdown', 'input'].sort());
    expect(found).toContain('input: Unrecognized key: "extra"');
    expect(found).toContain('gates.training: Unrecognized key: "minAcuracy"');
  });
});

describe('parseCycleInput: a given strategy', () => {
  test('a strategy name is kept, with the model, offline and gate settings that still apply', () => {
    const input = accepted(parseCycleInput({ strategy: 'my_breakout', model: 'haiku', offline: true, bypassGates: true }));
    expect(input).toMatchObject({ strategy: 'my_breakout', model: 'claude-haiku-5-5', offline: true, bypassGates: true });
  });

  test.each(['My_Breakout', '1st', '../etc/passwd', 'strategies/mine.yaml', ''])('rejects %j, which is no strategy name', (strategy) => {
    expect(problems(parseCycleInput({ strategy }))).toEqual(['strategy: a strategy name is lowercase letters, digits and underscores, starting with a letter']);
  });

  test('brief, symbol and timeframe steer a design, so beside a strategy each is a problem, told with the others', () => {
    const found = problems(parseCycleInput({ strategy: 'mine', brief: 'momentum', symbol: 'EURUSD', timeframe: '1h', model: 'gpt-4o' }));
    expect(found.map((p) => p.slice(0, p.indexOf(':'))).sort()).toEqual(['brief', 'model', 'symbol', 'timeframe']);
    expect(found).toContain('symbol: steers a design, and a cycle given a strategy has none: drop symbol or strategy');
  });
});
