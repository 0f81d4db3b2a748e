/**
 * Password hashing with node:crypto scrypt (`scrypt$N$r$p$salt$hash`).
 *
 * The cost is N = 256, not the 16384+ a real auth server uses: this is a fake holding test passwords,
 * and every journey of a harness run signs up. At N = 16384 hashing took ~40 ms a sign-up (two thirds
 * of the harness's CPU); at 1024 it was still 6 % of a 1,000-family run. Verification reads N from the
 * stored hash, so hashes made at any cost still verify.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const N = 256;
const R = 8;
const P = 1;
const KEYLEN = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, expected);
}
