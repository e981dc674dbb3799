/** How the services refuse a request: an HTTP status and every problem, never a stack trace. */
import type { z } from 'zod';
import type { Problem } from './api';

/** A refusal the server answers with its status and an ErrorResponse body, never with a stack trace. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Every zod issue of a request, located by its field (`task_id`, `limit`); unknown fields one by one. */
function requestProblems(issues: readonly z.core.$ZodIssue[]): Problem[] {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, line: null, message: `unknown field '${key}'` }));
    }
    return [{ path, line: null, message: issue.message }];
  });
}

/** 422 with every problem, as FastAPI answers a malformed request. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = requestProblems(parsed.error.issues);
  throw new HttpError(
    422,
    'invalid_request',
    `malformed ${what}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`,
    problems,
  );
}
