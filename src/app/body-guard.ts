/**
 * Checks the app runs before reading a body, so odd requests get a quick JSON error instead of a hang or
 * Express's HTML page (issue 11): unknown content-encodings and non-JSON media types are 415, a charset
 * other than UTF-8 is 400, and a request target that is not origin-form (`*`, `http://[bad/…`) is a 400.
 */
import type { NextFunction, Request, Response } from 'express';
import { DreamFlowError } from './errors.ts';

const ENCODINGS = new Set(['identity', 'gzip', 'deflate']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

export function bodyGuard(req: Request, res: Response, next: NextFunction): void {
  const error = check(req);
  if (!error) {
    next();
    return;
  }
  // The body is not read: close after answering so unread bytes cannot stall the connection.
  res.setHeader('connection', 'close');
  res.status(error.status).json(error.toJSON());
  req.resume();
}

function check(req: Request): DreamFlowError | undefined {
  if (!req.originalUrl.startsWith('/'))
    return new DreamFlowError(400, 'invalid_request', 'Request target must be a path such as /api/v1/story.');
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (!hasBody) return undefined;
  const encodings = (req.headers['content-encoding'] ?? 'identity')
    .split(',')
    .map((e) => e.trim().toLowerCase());
  const unknown = encodings.find((e) => e && !ENCODINGS.has(e));
  if (unknown)
    return new DreamFlowError(
      415,
      'unsupported_encoding',
      `content-encoding '${unknown}' is not supported; send identity, gzip or deflate.`,
      'content-encoding',
    );
  const [type = '', ...params] = (req.headers['content-type'] ?? '').split(';').map((p) => p.trim());
  if (!JSON_TYPE.test(type))
    return new DreamFlowError(
      415,
      'unsupported_media_type',
      `content-type '${type || '(none)'}' is not supported; send application/json.`,
      'content-type',
    );
  const charset = params
    .find((p) => /^charset=/i.test(p))
    ?.slice(8)
    .replace(/"/g, '')
    .toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8')
    return new DreamFlowError(
      400,
      'invalid_charset',
      `charset '${charset}' is not supported; send utf-8.`,
      'content-type',
    );
  return undefined;
}
