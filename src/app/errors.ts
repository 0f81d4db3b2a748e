/**
 * The backend's one error type. In-process callers catch it directly; over HTTP it travels as
 * `{"error": {"code", "message", "field"?}}` with its status, and the HTTP client rebuilds it, so the
 * harness sees the same thing in both modes.
 */
import type { ZodError } from 'zod';

export class DreamFlowError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DreamFlowError';
  }

  toJSON(): { error: { code: string; message: string; field?: string } } {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

/** A 400 naming the first offending field, e.g. `theme: expected string, received undefined`. */
export function fromZodError(err: ZodError): DreamFlowError {
  const issue = err.issues[0];
  if (!issue) return new DreamFlowError(400, 'invalid_request', 'Invalid request body.');
  let path = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    path = [path, keys[0]].filter(Boolean).join('.');
    message = `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'required';
  const field = path || '(body)';
  return new DreamFlowError(400, 'invalid_request', `${field}: ${message}`, field);
}
