/**
 * A problem the user can fix (bad flag, unknown id, no server). The CLI prints its
 * message and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
