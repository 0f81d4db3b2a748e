/** GoTrue's user, session and refresh-token records in SQLite, and their JSON shapes on the wire. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../store/db.ts';

export interface AuthUserRow {
  id: string;
  email: string;
  encrypted_password: string;
  user_metadata: string;
  app_metadata: string;
  email_confirmed_at: string | null;
  last_sign_in_at: string | null;
  created_at: string;
  updated_at: string;
}

export class AuthStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => string,
    private readonly newId: () => string = randomUUID,
  ) {}

  byEmail(email: string): AuthUserRow | undefined {
    return this.db.prepare('SELECT * FROM auth_users WHERE email = ?').get(email.toLowerCase()) as
      | AuthUserRow
      | undefined;
  }

  byId(id: string): AuthUserRow | undefined {
    return this.db.prepare('SELECT * FROM auth_users WHERE id = ?').get(id) as AuthUserRow | undefined;
  }

  /** Create a confirmed user (the fake auto-confirms, like `enable_confirmations = false` locally). */
  create(input: {
    id?: string;
    email: string;
    passwordHash: string;
    userMetadata?: Record<string, unknown>;
  }): AuthUserRow {
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO auth_users (id, email, encrypted_password, user_metadata, email_confirmed_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.id ?? this.newId(),
        input.email.toLowerCase(),
        input.passwordHash,
        JSON.stringify(input.userMetadata ?? {}),
        now,
        now,
        now,
      );
    return this.byEmail(input.email)!;
  }

  update(
    id: string,
    fields: { email?: string; passwordHash?: string; userMetadata?: Record<string, unknown> },
  ): AuthUserRow {
    const now = this.now();
    if (fields.email !== undefined)
      this.db.prepare('UPDATE auth_users SET email = ? WHERE id = ?').run(fields.email.toLowerCase(), id);
    if (fields.passwordHash !== undefined)
      this.db
        .prepare('UPDATE auth_users SET encrypted_password = ? WHERE id = ?')
        .run(fields.passwordHash, id);
    if (fields.userMetadata !== undefined)
      this.db
        .prepare('UPDATE auth_users SET user_metadata = ? WHERE id = ?')
        .run(JSON.stringify(fields.userMetadata), id);
    this.db.prepare('UPDATE auth_users SET updated_at = ? WHERE id = ?').run(now, id);
    return this.byId(id)!;
  }

  touchSignIn(id: string): void {
    this.db.prepare('UPDATE auth_users SET last_sign_in_at = ? WHERE id = ?').run(this.now(), id);
  }

  createSession(userId: string): string {
    const id = this.newId();
    this.db
      .prepare('INSERT INTO auth_sessions (id, user_id, created_at) VALUES (?, ?, ?)')
      .run(id, userId, this.now());
    return id;
  }

  sessionExists(id: string): boolean {
    return Boolean(this.db.prepare('SELECT 1 FROM auth_sessions WHERE id = ?').get(id));
  }

  /** `scope`: global (every session of the user), local (this one), others (all but this one). */
  endSessions(userId: string, sessionId: string | undefined, scope: 'global' | 'local' | 'others'): void {
    if (scope === 'global') this.db.prepare('DELETE FROM auth_sessions WHERE user_id = ?').run(userId);
    else if (scope === 'local')
      this.db.prepare('DELETE FROM auth_sessions WHERE id = ?').run(sessionId ?? '');
    else
      this.db.prepare('DELETE FROM auth_sessions WHERE user_id = ? AND id <> ?').run(userId, sessionId ?? '');
  }

  issueRefreshToken(userId: string, sessionId: string): string {
    const token = randomBytes(16).toString('base64url');
    this.db
      .prepare(
        'INSERT INTO auth_refresh_tokens (token, user_id, session_id, revoked, created_at) VALUES (?, ?, ?, 0, ?)',
      )
      .run(token, userId, sessionId, this.now());
    return token;
  }

  refreshToken(token: string): { user_id: string; session_id: string; revoked: number } | undefined {
    return this.db
      .prepare('SELECT user_id, session_id, revoked FROM auth_refresh_tokens WHERE token = ?')
      .get(token) as { user_id: string; session_id: string; revoked: number } | undefined;
  }

  revokeRefreshToken(token: string): void {
    this.db.prepare('UPDATE auth_refresh_tokens SET revoked = 1 WHERE token = ?').run(token);
  }
}

/** The user object GoTrue returns (and auth-js types as `User`). */
export function userJson(u: AuthUserRow): Record<string, unknown> {
  const userMetadata = parse(u.user_metadata, {});
  return {
    id: u.id,
    aud: 'authenticated',
    role: 'authenticated',
    email: u.email,
    email_confirmed_at: u.email_confirmed_at,
    phone: '',
    confirmed_at: u.email_confirmed_at,
    last_sign_in_at: u.last_sign_in_at,
    app_metadata: parse(u.app_metadata, { provider: 'email', providers: ['email'] }),
    user_metadata: userMetadata,
    identities: [
      {
        identity_id: u.id,
        id: u.id,
        user_id: u.id,
        identity_data: { email: u.email, email_verified: true, phone_verified: false, sub: u.id },
        provider: 'email',
        last_sign_in_at: u.last_sign_in_at,
        created_at: u.created_at,
        updated_at: u.updated_at,
        email: u.email,
      },
    ],
    created_at: u.created_at,
    updated_at: u.updated_at,
    is_anonymous: false,
  };
}

function parse(text: string, fallback: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return fallback;
  }
}
