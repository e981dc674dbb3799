/**
 * The input schema of a strict tool (`strict: true`), built from the zod schema that checks the
 * reply. Strict tools take a subset of JSON Schema — arrays with `minItems` 0 or 1 only, no
 * `maxItems`, no string lengths or numeric bounds, every object `additionalProperties: false` —
 * and the API refuses a tool outside it with a 400. The SDK's transform encodes that rule: it
 * keeps what is allowed and moves the rest into the description, where the model still reads
 * it; its own zodOutputFormat helper makes the same call (sdk helpers/zod.ts). Zod checks the
 * moved bounds on the reply.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import { z } from 'zod';

export function strictInputSchema(schema: z.ZodType): Anthropic.Tool['input_schema'] {
  return transformJSONSchema(z.toJSONSchema(schema, { reused: 'ref' })) as Anthropic.Tool['input_schema'];
}
