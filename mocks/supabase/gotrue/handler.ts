/**
 * `/auth/v1/*`: the GoTrue calls supabase-js makes for email + password auth. Users are confirmed on
 * sign-up (a session comes back at once), access tokens are HS256 JWTs signed with the project secret
 * and checked on every request that carries one; refresh tokens rotate and a reused one is refused.
 */
import type { Clock } from '../../../lib/clock.ts';
import type { HttpReply, MockRequest } from '../../shared/http.ts';
import type { JwtClaims } from '../jwt.ts';
import { signJwt, verifyJwt } from '../jwt.ts';
import { AuthError, authErrorReply, authErrors } from './errors.ts';
import { hashPassword, verifyPassword } from './password.ts';
import type { AuthStore, AuthUserRow } from './users.ts';
import { userJson } from './users.ts';

export interface AuthContext {
  store: AuthStore;
  clock: Clock;
  jwtSecret: string;
  /** Access-token lifetime, seconds (GoTrue's default 3600). */
  jwtExpiry: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIN_PASSWORD = 6;

export function authOperation(req: MockRequest, route: string): string {
  if (route === 'token') return `auth.token.${req.query.get('grant_type') ?? 'unknown'}`;
  if (route === 'user') return req.method === 'PUT' ? 'auth.user.update' : 'auth.user.get';
  return `auth.${route || 'root'}`;
}

/** `route` is the path after `/auth/v1/`. */
export function handleAuth(ctx: AuthContext, req: MockRequest, route: string): HttpReply {
  try {
    return dispatch(ctx, req, route);
  } catch (err) {
    if (err instanceof AuthError) return authErrorReply(req, err);
    throw err;
  }
}

function dispatch(ctx: AuthContext, req: MockRequest, route: string): HttpReply {
  const key = `${req.method} ${route}`;
  switch (key) {
    case 'POST signup':
      return signup(ctx, req);
    case 'POST token':
      return token(ctx, req);
    case 'GET user':
      return json(200, userJson(authenticate(ctx, req).user));
    case 'PUT user':
      return updateUser(ctx, req);
    case 'POST logout':
      return logout(ctx, req);
    case 'GET settings':
      return json(200, {
        external: { email: true, phone: false, anonymous_users: false },
        disable_signup: false,
        mailer_autoconfirm: true,
        phone_autoconfirm: false,
        sms_provider: '',
        saml_enabled: false,
      });
    case 'GET health':
      return json(200, {
        version: 'dreamflow-sim',
        name: 'GoTrue',
        description: 'GoTrue subset of the fake Supabase',
      });
    default:
      throw authErrors.notFound(`${req.method} /auth/v1/${route}`);
  }
}

function body(req: MockRequest): Record<string, unknown> {
  if (req.body.trim() === '') return {};
  try {
    const parsed = JSON.parse(req.body) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('expected a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw authErrors.badJson((err as Error).message);
  }
}

function signup(ctx: AuthContext, req: MockRequest): HttpReply {
  const b = body(req);
  if (typeof b.phone === 'string' && b.phone && !b.email)
    throw authErrors.validation('Phone signups are disabled in the fake Supabase; use email.');
  const email = typeof b.email === 'string' ? b.email.trim() : '';
  if (!email) throw authErrors.validation('To signup, please provide your email');
  if (!EMAIL.test(email)) throw authErrors.invalidEmail();
  if (typeof b.password !== 'string' || b.password === '')
    throw authErrors.validation('Signup requires a valid password');
  if (b.password.length < MIN_PASSWORD) throw authErrors.weakPassword();
  if (ctx.store.byEmail(email)) throw authErrors.userExists();
  const data = metadata(b) ?? {};
  const user = ctx.store.create({ email, passwordHash: hashPassword(b.password), userMetadata: data });
  ctx.store.touchSignIn(user.id);
  return json(200, session(ctx, req, ctx.store.byId(user.id)!));
}

/** `data` (user metadata): absent or null means none; anything but an object is refused, as GoTrue's decoder does. */
function metadata(b: Record<string, unknown>): Record<string, unknown> | undefined {
  if (b.data === undefined || b.data === null) return undefined;
  if (typeof b.data === 'object' && !Array.isArray(b.data)) return b.data as Record<string, unknown>;
  throw authErrors.badJson(
    `"data" must be a JSON object of user metadata, e.g. {"data": {"first_name": "Ada"}}; got ${Array.isArray(b.data) ? 'an array' : typeof b.data}`,
  );
}

function token(ctx: AuthContext, req: MockRequest): HttpReply {
  const grant = req.query.get('grant_type');
  const b = body(req);
  if (grant === 'password') {
    const email = typeof b.email === 'string' ? b.email.trim() : '';
    const password = typeof b.password === 'string' ? b.password : '';
    if (!email || !password) throw authErrors.invalidCredentials();
    const user = ctx.store.byEmail(email);
    if (!user || !verifyPassword(password, user.encrypted_password)) throw authErrors.invalidCredentials();
    ctx.store.touchSignIn(user.id);
    return json(200, session(ctx, req, ctx.store.byId(user.id)!));
  }
  if (grant === 'refresh_token') {
    const refresh = typeof b.refresh_token === 'string' ? b.refresh_token : '';
    if (!refresh) throw authErrors.refreshNotFound();
    const row = ctx.store.refreshToken(refresh);
    if (!row || !ctx.store.sessionExists(row.session_id)) throw authErrors.refreshNotFound();
    if (row.revoked) throw authErrors.refreshUsed();
    const user = ctx.store.byId(row.user_id);
    if (!user) throw authErrors.refreshNotFound();
    ctx.store.revokeRefreshToken(refresh);
    return json(200, session(ctx, req, user, row.session_id));
  }
  throw authErrors.validation(
    `unsupported_grant_type: the fake Supabase supports grant_type=password and grant_type=refresh_token (got ${grant ?? 'none'})`,
  );
}

function updateUser(ctx: AuthContext, req: MockRequest): HttpReply {
  const { user } = authenticate(ctx, req);
  const b = body(req);
  const data = metadata(b);
  const fields: { email?: string; passwordHash?: string; userMetadata?: Record<string, unknown> } = {};
  if (typeof b.email === 'string' && b.email.toLowerCase() !== user.email) {
    if (!EMAIL.test(b.email)) throw authErrors.invalidEmail();
    if (ctx.store.byEmail(b.email)) throw authErrors.emailExists();
    fields.email = b.email;
  }
  if (typeof b.password === 'string') {
    if (b.password.length < MIN_PASSWORD) throw authErrors.weakPassword();
    if (verifyPassword(b.password, user.encrypted_password)) throw authErrors.samePassword();
    fields.passwordHash = hashPassword(b.password);
  }
  if (data) {
    // GoTrue merges top-level keys; a key set to null is removed.
    const merged: Record<string, unknown> = {
      ...(JSON.parse(user.user_metadata) as Record<string, unknown>),
    };
    for (const [k, v] of Object.entries(data)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    fields.userMetadata = merged;
  }
  return json(200, userJson(ctx.store.update(user.id, fields)));
}

function logout(ctx: AuthContext, req: MockRequest): HttpReply {
  const { user, claims } = authenticate(ctx, req);
  const scope = req.query.get('scope');
  const s = scope === 'local' || scope === 'others' ? scope : 'global';
  ctx.store.endSessions(user.id, typeof claims.session_id === 'string' ? claims.session_id : undefined, s);
  return { status: 204, headers: {}, body: null };
}

/** The user behind the request's Bearer token: valid signature, not expired, live session. */
function authenticate(ctx: AuthContext, req: MockRequest): { user: AuthUserRow; claims: JwtClaims } {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw authErrors.noAuthorization();
  const result = verifyJwt(m[1]!, ctx.jwtSecret, ctx.clock.now());
  if (!result.ok)
    throw authErrors.badJwt(result.reason === 'expired' ? 'token is expired' : `token ${result.reason}`);
  const claims = result.claims;
  if (typeof claims.sub !== 'string' || !claims.sub) throw authErrors.missingSub();
  if (typeof claims.session_id === 'string' && !ctx.store.sessionExists(claims.session_id))
    throw authErrors.sessionNotFound();
  const user = ctx.store.byId(claims.sub);
  if (!user) throw authErrors.userNotFound();
  return { user, claims };
}

function session(
  ctx: AuthContext,
  req: MockRequest,
  user: AuthUserRow,
  existingSession?: string,
): Record<string, unknown> {
  const sessionId = existingSession ?? ctx.store.createSession(user.id);
  const iat = Math.floor(ctx.clock.now() / 1000);
  const exp = iat + ctx.jwtExpiry;
  const u = userJson(user);
  const accessToken = signJwt(
    {
      aud: 'authenticated',
      exp,
      iat,
      iss: `${req.url.origin}/auth/v1`,
      sub: user.id,
      email: user.email,
      phone: '',
      app_metadata: u.app_metadata,
      user_metadata: u.user_metadata,
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: existingSession ? 'password' : 'password', timestamp: iat }],
      session_id: sessionId,
      is_anonymous: false,
    },
    ctx.jwtSecret,
  );
  return {
    access_token: accessToken,
    token_type: 'bearer',
    expires_in: ctx.jwtExpiry,
    expires_at: exp,
    refresh_token: ctx.store.issueRefreshToken(user.id, sessionId),
    user: u,
  };
}

function json(status: number, value: unknown): HttpReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
