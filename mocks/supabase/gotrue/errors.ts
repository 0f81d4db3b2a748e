/**
 * GoTrue error bodies. Since API version 2024-01-01 (which supabase-js sends as X-Supabase-Api-Version)
 * GoTrue answers `{code: "<error_code>", message}` and echoes the version header; older clients get
 * `{code: <status>, error_code, msg}`. auth-js reads either and surfaces `error.code` / `error.status`.
 */
import type { HttpReply, MockRequest } from '../../shared/http.ts';

export const API_VERSION = '2024-01-01';

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function usesNewErrorFormat(req: MockRequest): boolean {
  const v = req.headers['x-supabase-api-version'];
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && v >= API_VERSION;
}

export function authErrorReply(req: MockRequest, err: AuthError): HttpReply {
  const modern = usesNewErrorFormat(req);
  const body = modern
    ? { code: err.errorCode, message: err.message, ...err.extra }
    : { code: err.status, error_code: err.errorCode, msg: err.message, ...err.extra };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (modern) headers['x-supabase-api-version'] = API_VERSION;
  return { status: err.status, headers, body: JSON.stringify(body) };
}

export const authErrors = {
  badJson: (detail: string) =>
    new AuthError(400, 'bad_json', `Could not parse request body as JSON: ${detail}`),
  validation: (msg: string) => new AuthError(400, 'validation_failed', msg),
  invalidEmail: () =>
    new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format'),
  weakPassword: () =>
    new AuthError(422, 'weak_password', 'Password should be at least 6 characters.', {
      weak_password: { reasons: ['length'] },
    }),
  samePassword: () =>
    new AuthError(422, 'same_password', 'New password should be different from the old password.'),
  userExists: () => new AuthError(422, 'user_already_exists', 'User already registered'),
  emailExists: () =>
    new AuthError(422, 'email_exists', 'A user with this email address has already been registered'),
  invalidCredentials: () => new AuthError(400, 'invalid_credentials', 'Invalid login credentials'),
  refreshNotFound: () =>
    new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found'),
  refreshUsed: () => new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
  noAuthorization: () =>
    new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token'),
  badJwt: (why: string) =>
    new AuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${why}`),
  missingSub: () => new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim'),
  sessionNotFound: () =>
    new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist'),
  userNotFound: () => new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist'),
  notFound: (path: string) =>
    new AuthError(
      404,
      'not_found',
      `The fake Supabase has no GoTrue route ${path}; it supports signup, token (password, refresh_token), user (GET/PUT), logout, settings, health.`,
    ),
};
