/**
 * Klaviyo's JSON:API error documents: `{"errors":[{id,status,code,title,detail,source,meta?}]}` served as
 * `application/vnd.api+json`. Handlers throw `KlaviyoError`; the core turns it into a reply in one place.
 */
import type { HttpReply } from '../../shared/http.ts';

export const JSONAPI = 'application/vnd.api+json';

export interface ErrorSource {
  pointer?: string;
  parameter?: string;
}

/** Titles as Klaviyo writes them, by error code (falls back to the status). */
const TITLES: Record<string, string> = {
  invalid: 'Invalid input.',
  not_authenticated: 'Authentication credentials were not provided.',
  authentication_failed: 'Incorrect authentication credentials.',
  not_found: 'Not found.',
  method_not_allowed: 'Method not allowed.',
  duplicate_profile: 'Conflict.',
  conflict: 'Conflict.',
  throttled: 'Request was throttled.',
  error: 'A server error occurred.',
};

const STATUS_TITLES: Record<number, string> = {
  400: 'Invalid input.',
  401: 'Authentication credentials were not provided.',
  403: 'You do not have permission to perform this action.',
  404: 'Not found.',
  405: 'Method not allowed.',
  409: 'Conflict.',
  415: 'Unsupported media type.',
  429: 'Request was throttled.',
  500: 'A server error occurred.',
  502: 'Bad gateway.',
  503: 'Service unavailable.',
  504: 'Gateway timeout.',
};

export class KlaviyoError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: {
      source?: ErrorSource;
      meta?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail);
  }
}

/** 400 `invalid` pointing at a body member, e.g. `/data/attributes/email`. */
export function invalidBody(pointer: string, detail: string): KlaviyoError {
  return new KlaviyoError(400, 'invalid', detail, { source: { pointer } });
}

/** 400 `invalid` naming a query parameter, e.g. `filter` or `page[size]`. */
export function invalidParam(parameter: string, detail: string): KlaviyoError {
  return new KlaviyoError(400, 'invalid', detail, { source: { parameter } });
}

export function notFound(detail: string): KlaviyoError {
  return new KlaviyoError(404, 'not_found', detail);
}

/** Klaviyo's title for an error: by code, else by status. */
export function errorTitle(code: string, status: number): string {
  return TITLES[code] ?? STATUS_TITLES[status] ?? 'Error.';
}

export function errorDocument(
  id: string,
  status: number,
  code: string,
  detail: string,
  extra: { source?: ErrorSource; meta?: Record<string, unknown> } = {},
): unknown {
  const error: Record<string, unknown> = {
    id,
    status,
    code,
    title: errorTitle(code, status),
    detail,
    source: extra.source ?? { pointer: '/data/' },
  };
  if (extra.meta) error.meta = extra.meta;
  return { errors: [error] };
}

export function errorReply(
  id: string,
  status: number,
  code: string,
  detail: string,
  extra: { source?: ErrorSource; meta?: Record<string, unknown>; headers?: Record<string, string> } = {},
): HttpReply {
  return {
    status,
    headers: { 'content-type': JSONAPI, ...extra.headers },
    body: JSON.stringify(errorDocument(id, status, code, detail, extra)),
  };
}

/** A PATCH body names the resource it changes; it must be the one in the URL (400 at `/data/id`). */
export function requireSameId(bodyId: string, pathId: string | undefined): void {
  if (bodyId !== pathId) {
    throw invalidBody('/data/id', `The id in the body (${bodyId}) must match the id in the URL (${pathId}).`);
  }
}
