/**
 * Vitest's asymmetric matchers typed as returning `unknown` where vitest says `any`
 * (vitest-dev/vitest#7015), so that an object of expected values holds no unsafe `any`.
 * They are the same functions: `match.any(Number)` is `expect.any(Number)`.
 */
import { expect } from 'vitest';

type ReturningUnknown<F> = F extends (...args: infer A) => unknown ? (...args: A) => unknown : never;
type Used = 'any' | 'closeTo' | 'stringContaining' | 'stringMatching';

export const match: { readonly [K in Used]: ReturningUnknown<(typeof expect)[K]> } = expect;
