/**
 * An indicator's parameters: their specs (type, range, default), and `resolveParams`, which fills
 * in the defaults and reports every problem at once.
 */
import { closestNames } from './closestNames';

interface ParamBase {
  description: string;
}
interface RangedParam extends ParamBase {
  default: number;
  min: number;
  max: number;
}
export type ParamSpec =
  | (RangedParam & { type: 'int' })
  | (RangedParam & { type: 'number' })
  | (ParamBase & { type: 'enum'; default: string; options: readonly string[] })
  | (ParamBase & { type: 'bool'; default: boolean });
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

type ParamValue = number | string | boolean;
export type ParamValues = Readonly<Record<string, ParamValue>>;

type ValueOf<S> = S extends { type: 'int' | 'number' }
  ? number
  : S extends { type: 'enum'; options: readonly (infer O)[] }
    ? O
    : S extends { type: 'bool' }
      ? boolean
      : never;
export type ParamsOf<P extends ParamSpecs> = { readonly [K in keyof P]: ValueOf<P[K]> };

/** One thing wrong with an indicator's parameters; `param` names it unless the rule spans several. */
interface ParamProblem {
  param?: string;
  message: string;
}
export type ResolvedParams = { ok: true; params: ParamValues } | { ok: false; problems: ParamProblem[] };

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** The value to use, or what is wrong with it. */
function checkValue(name: string, spec: ParamSpec, value: unknown): { value: ParamValue } | { problem: string } {
  switch (spec.type) {
    case 'int':
    case 'number': {
      const isInt = spec.type === 'int';
      if (typeof value !== 'number' || !Number.isFinite(value) || (isInt && !Number.isInteger(value))) {
        return { problem: `${name} must be ${isInt ? 'an integer' : 'a number'}, got ${show(value)}` };
      }
      if (value < spec.min || value > spec.max) {
        return { problem: `${name} must be between ${spec.min} and ${spec.max}, got ${value}` };
      }
      return { value };
    }
    case 'enum': {
      // Options match case-insensitively (KTRDR writes ma_type as SMA, agents often sma) and resolve to the catalog's spelling.
      const option = typeof value === 'string' ? spec.options.find((o) => o.toLowerCase() === value.toLowerCase()) : undefined;
      return option === undefined ? { problem: `${name} must be one of ${spec.options.join(', ')}, got ${show(value)}` } : { value: option };
    }
    case 'bool':
      return typeof value === 'boolean' ? { value } : { problem: `${name} must be true or false, got ${show(value)}` };
  }
}

/** What resolving parameters reads of an indicator (an IndicatorSpec): its name, parameters and the rules between them. */
interface ParamRules {
  name: string;
  params: ParamSpecs;
  validateParams(params: ParamValues): string[];
}

/**
 * An indicator's parameters with defaults applied, or every problem at once: unknown names
 * (with "did you mean"), wrong types, values out of range, enum values not offered, and
 * broken rules between parameters (checked only when each parameter is valid by itself).
 */
export function resolveParams(indicator: ParamRules, given: Readonly<Record<string, unknown>>): ResolvedParams {
  const names = Object.keys(indicator.params);
  const problems: ParamProblem[] = [];
  for (const param of Object.keys(given)) {
    if (Object.hasOwn(indicator.params, param)) continue;
    const suggestions = closestNames(
      param,
      names.map((n) => [n, n] as const),
    );
    const hint = suggestions.length > 0 ? ` (did you mean ${suggestions.map((s) => `'${s}'`).join(' or ')}?)` : '';
    const accepted = names.length > 0 ? `${indicator.name} takes ${names.join(', ')}` : `${indicator.name} takes no parameters`;
    problems.push({ param, message: `unknown parameter '${param}'${hint}; ${accepted}` });
  }
  const params: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(indicator.params)) {
    if (!Object.hasOwn(given, name) || given[name] === undefined) {
      params[name] = spec.default;
      continue;
    }
    const checked = checkValue(name, spec, given[name]);
    if ('problem' in checked) problems.push({ param: name, message: checked.problem });
    else params[name] = checked.value;
  }
  if (problems.length > 0) return { ok: false, problems };
  const broken = indicator.validateParams(params);
  if (broken.length > 0) return { ok: false, problems: broken.map((message) => ({ message })) };
  return { ok: true, params };
}
