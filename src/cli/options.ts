/** Commander's parser for duration options; the whole-number ones are in ../numberOptions.ts. */
import { InvalidArgumentError } from 'commander';
import { durationMs } from '../temporal/duration';

/**
 * A duration with its unit — 5s, 500ms, 2m, "30 seconds" — as Temporal reads one, in
 * milliseconds; a bare number is refused, since "5" would be read as 5 ms. `name` is the flag
 * or variable the error names.
 */
export function duration(name: string) {
  return (value: string): number => {
    const ms = /[a-z]/i.test(value) ? durationMs(value.trim()) : undefined;
    if (ms === undefined) throw new InvalidArgumentError(`${name} must be a duration with its unit, such as 5s, 30s or 2m, not '${value}'.`);
    return ms;
  };
}
