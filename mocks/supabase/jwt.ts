/**
 * HS256 JSON Web Tokens with node:crypto (no extra package). Claims are serialised in insertion order,
 * so signing the Supabase CLI's demo payload with its demo secret reproduces the CLI's well-known keys.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The Supabase CLI's local JWT secret: keys signed with it are the same on every machine and run. */
export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

export type JwtClaims = Record<string, unknown> & { exp?: number; role?: string; sub?: string };

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

export function signJwt(claims: JwtClaims, secret: string): string {
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}

export type JwtResult =
  | { ok: true; claims: JwtClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

/**
 * Tokens whose signature already checked out, by secret and token: every PostgREST request carries the
 * same service-role key and each family's session token, so re-doing the HMAC and two JSON parses per
 * request was ~4 % of a harness run. Bounded (oldest dropped first); `exp` is still checked every time.
 */
const verified = new Map<string, JwtClaims>();
const MAX_VERIFIED = 4096;

/** Verify signature and `exp` (seconds) against `nowMs` from the injected clock. */
export function verifyJwt(token: string, secret: string, nowMs: number): JwtResult {
  const key = `${secret}\n${token}`;
  const known = verified.get(key);
  if (known) return checkExpiry(known, nowMs);
  const result = verifySignature(token, secret);
  if (!result.ok) return result;
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value as string);
  verified.set(key, result.claims);
  return checkExpiry(result.claims, nowMs);
}

function checkExpiry(claims: JwtClaims, nowMs: number): JwtResult {
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function verifySignature(token: string, secret: string): JwtResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts as [string, string, string];
  let claims: JwtClaims;
  try {
    const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    if (h.alg !== 'HS256') return { ok: false, reason: 'signature' };
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
    if (claims === null || typeof claims !== 'object') return { ok: false, reason: 'malformed' };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature' };
  return { ok: true, claims };
}
