/**
 * What every operation handler receives, and the helpers they share: JSON body parsing with zod
 * (errors become 400 `invalid` with a JSON pointer to the bad member) and JSON:API replies.
 * Handlers reach their group's rows through `ctx.store.repo(SomeRepo)`.
 */
import type { ZodType } from 'zod';
import type { Clock } from '../../../lib/clock.ts';
import type { HttpReply, MockRequest } from '../../shared/http.ts';
import type { IdFactory } from '../ids.ts';
import { invalidBody, JSONAPI } from '../jsonapi/errors.ts';
import type { Scheduler } from './scheduler.ts';
import type { KlaviyoStore } from './store.ts';

export interface Ctx {
  req: MockRequest;
  /** Account label: a hash of the private API key. */
  account: string;
  /** Path parameters, e.g. `{ id }`. */
  params: Record<string, string>;
  store: KlaviyoStore;
  ids: IdFactory;
  clock: Clock;
  /** Work that Klaviyo does asynchronously (bulk jobs, segment processing), due on the mock's clock. */
  scheduler: Scheduler;
}

export type Handler = (ctx: Ctx) => HttpReply;

/** Parse and validate a JSON body; the first problem becomes a 400 with `source.pointer`. */
export function parseBody<T>(
  ctx: Ctx,
  schema: ZodType<T>,
  /** A cheaper check for the common shape: returns the body when valid, undefined to ask zod. */
  fast?: (json: unknown) => T | undefined,
): T {
  const text = ctx.req.body;
  if (!text || text.trim() === '')
    throw invalidBody(
      '/data',
      'The request body is empty; send a JSON:API document such as {"data": {...}}.',
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidBody('/data', `JSON parse error - ${(err as Error).message}`);
  }
  if (fast) {
    const ok = fast(json);
    if (ok !== undefined) return ok;
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const pointer = `/${issue.path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
  const where = issue.path.length ? `'${issue.path.join('.')}'` : 'the body';
  throw invalidBody(pointer === '/' ? '/data' : pointer, `Invalid value for ${where}: ${issue.message}`);
}

export function reply(status: number, doc: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': JSONAPI, ...headers }, body: JSON.stringify(doc) };
}
