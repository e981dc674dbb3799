/**
 * Commander argument parsers for whole-number options, shared by the CLI and the services
 * command: a count in a range, a TCP port. The flag's name is in the error.
 */
import { InvalidArgumentError } from '@commander-js/extra-typings';

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
