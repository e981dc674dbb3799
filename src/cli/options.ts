import { InvalidArgumentError } from 'commander';
import { durationMs } from '../temporal/duration';

/** A commander argument parser for whole numbers in a range, with the flag's name in the error. */
export function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `${name} must be an integer ≥ ${min}.` : `${name} must be an integer from ${min} to ${max}.`,
      );
    }
    return n;
  };
}

/** A TCP port; `anyFree` admits 0, which lets the system pick one. */
export const port = (name: string, { anyFree = false } = {}) => integer(name, anyFree ? 0 : 1, 65_535);

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
