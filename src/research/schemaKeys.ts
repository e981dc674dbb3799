/**
 * Schemas whose values zod cannot see into because a transform parses them by hand (a fuzzy
 * set's memberships), with the schema each of their keys is parsed with.
 */
import type { z } from 'zod';
import type { PathSegment } from './problems';

export const parsedByHand = new WeakMap<z.ZodType, (key: string) => z.ZodType>();

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
};

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas `schema` may be once wrappers (optional, default, pipe, union) are seen through. */
function objects(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  if (def.type === 'object') return [schema];
  if (def.innerType) return objects(def.innerType);
  if (def.type === 'pipe' && def.in) return objects(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(objects);
  return [];
}

/** The schemas of what sits under `segment` in `schema`. */
function children(schema: z.ZodType, segment: PathSegment): z.ZodType[] {
  const byHand = parsedByHand.get(schema);
  if (byHand) return [byHand(String(segment))];
  const def = defOf(schema);
  if (def.innerType) return children(def.innerType, segment);
  if (def.type === 'pipe' && def.in) return children(def.in, segment);
  if (def.type === 'union' && def.options) return def.options.flatMap((option) => children(option, segment));
  if (def.type === 'array' && def.element) return [def.element];
  if (def.type === 'record' && def.valueType) return [def.valueType];
  if (def.type === 'object') {
    const child = def.shape?.[String(segment)];
    return child ? [child] : [];
  }
  return [];
}

/** The keys an object at `path` of `schema` may have, for "did you mean" on a misspelt one. */
export function keysAt(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let level = [schema];
  for (const segment of path) level = level.flatMap((s) => children(s, segment));
  return [...new Set(level.flatMap(objects).flatMap((o) => Object.keys(defOf(o).shape ?? {})))];
}
