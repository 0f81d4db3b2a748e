/**
 * The generic tier: a spec-driven answer for every Klaviyo operation no API group implements.
 *
 * The request is checked against the operation's parameters and request body schema (400 with
 * `source.parameter` / `source.pointer`); the answer is the spec's success status with a body built from
 * its response schema (synth.ts), deterministic for the mock's seed and the request. Resources a generic
 * `create` makes are kept in `GenericRepo`, so they read back (`get`, `list`), `update` merges attributes
 * and relationships, `delete` answers 204, and an unknown id of such a type answers 404. Everything else
 * (relationship endpoints, reports, renders, jobs answering 202, client endpoints) just answers
 * spec-valid. Every answer carries `x-dreamflow-emulation: generic`, which the request journal records.
 */
import { createRng, hashString } from '../../../lib/prng.ts';
import type { HttpReply } from '../../shared/http.ts';
import type { Ctx, Handler } from '../core/context.ts';
import { IdFactory } from '../ids.ts';
import { KlaviyoError, notFound } from '../jsonapi/errors.ts';
import { encodeCursor, linkWithCursor, readCursor, selfLink } from '../jsonapi/pagination.ts';
import { isoTime } from '../jsonapi/serialize.ts';
import { type GenericOperation, type GenericSpec, genericSpec, type Schema } from './model.ts';
import { GenericRepo, type GenericRow } from './repo.ts';
import { synth } from './synth.ts';
import { checkBody, checkQuery } from './validate.ts';

export const EMULATION_HEADER = 'x-dreamflow-emulation';
const MARK = { [EMULATION_HEADER]: 'generic' };
const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
/** Attribute names that hold the resource's own timestamps. */
const CREATED = ['created', 'created_at', 'datetime'];
const UPDATED = ['updated', 'updated_at'];

// biome-ignore lint/suspicious/noExplicitAny: JSON documents built from schemas, walked by member name
type Doc = Record<string, any>;

export class GenericTier {
  private stored: Set<string> | undefined;
  private readonly handlers = new Map<string, Handler>();

  constructor(
    /** The mock's seed: answers are deterministic for it. */
    private readonly seed: number,
    /** Operations API groups implement: their types' state lives in the groups, not here. */
    private readonly implemented: ReadonlySet<string>,
  ) {}

  handler(operation: string): Handler {
    let h = this.handlers.get(operation);
    if (!h) {
      h = (ctx) => this.handle(operation, ctx);
      this.handlers.set(operation, h);
    }
    return h;
  }

  private handle(operation: string, ctx: Ctx): HttpReply {
    const g = genericSpec();
    const op = g.operations.get(operation);
    if (!op) throw new Error(`${operation} is not in the trimmed spec: run \`npm run spec:trim\`.`);
    try {
      checkQuery(g, op, ctx.req);
      const body = checkBody(g, op, ctx.req) as Doc | undefined;
      return this.answer(g, op, ctx, body);
    } catch (err) {
      if (err instanceof KlaviyoError) err.extra.headers = { ...err.extra.headers, ...MARK };
      throw err;
    }
  }

  private answer(g: GenericSpec, op: GenericOperation, ctx: Ctx, body: Doc | undefined): HttpReply {
    const type = op.type && this.storedTypes(g).has(op.type) ? op.type : undefined;
    const repo = ctx.store.repo(GenericRepo);
    const id = Object.values(ctx.params).at(-1);
    const now = ctx.clock.now();
    if (type && op.kind === 'create') {
      const data = body?.data ?? {};
      const given = typeof data.id === 'string' && data.id !== '' ? data.id : undefined;
      if (given && repo.get(ctx.account, type, given)) {
        throw new KlaviyoError(409, 'conflict', `A ${type} with id '${given}' already exists.`, {
          source: { pointer: '/data/id' },
        });
      }
      const row = repo.insert(ctx.account, {
        type,
        id: given ?? ctx.ids.ulid(),
        attributes: data.attributes ?? {},
        relationships: data.relationships ?? {},
        created: now,
      });
      return this.resource(g, op, ctx, row);
    }
    if (type && id !== undefined && (op.kind === 'get' || op.kind === 'update' || op.kind === 'delete')) {
      const row = repo.get(ctx.account, type, id);
      if (!row) throw notFound(`A ${type} with id '${id}' does not exist.`);
      if (op.kind === 'delete') {
        repo.remove(ctx.account, type, id);
        return this.reply(op, null);
      }
      const patched =
        op.kind === 'update'
          ? repo.merge(
              ctx.account,
              row,
              { attributes: body?.data?.attributes, relationships: body?.data?.relationships },
              now,
            )
          : row;
      return this.resource(g, op, ctx, patched);
    }
    if (type && op.kind === 'list') return this.list(g, op, ctx, type);
    return this.synthesized(g, op, ctx, id);
  }

  /** One stored resource in the operation's response document. */
  private resource(g: GenericSpec, op: GenericOperation, ctx: Ctx, row: GenericRow): HttpReply {
    if (!op.success.schema) return this.reply(op, null);
    const doc = this.build(g, op.success.schema, ctx, `${row.type}:${row.id}`) as Doc;
    doc.data = this.present(g, dataSchema(g, op.success.schema), doc.data, row, ctx);
    return this.reply(op, doc);
  }

  private list(g: GenericSpec, op: GenericOperation, ctx: Ctx, type: string): HttpReply {
    const schema = op.success.schema!;
    const cursor = readCursor(ctx.req);
    const sizeParam = op.params.find((p) => p.name === 'page[size]');
    const size = sizeParam
      ? Number(ctx.req.query.get('page[size]') || (sizeParam.schema.default ?? DEFAULT_PAGE))
      : MAX_PAGE;
    const page = ctx.store.repo(GenericRepo).page(ctx.account, type, cursor?.seq ?? 0, size);
    const doc = this.build(g, schema, ctx, `${type}:list`) as Doc;
    const itemSchema = g.resolve(dataSchema(g, schema).items);
    doc.data = page.rows.map((row) =>
      this.present(g, itemSchema, this.build(g, itemSchema, ctx, `${row.type}:${row.id}`) as Doc, row, ctx),
    );
    const last = page.rows.at(-1);
    doc.links = { self: uri(selfLink(ctx.req)) };
    if (page.more && last) {
      doc.links.next = uri(linkWithCursor(ctx.req, encodeCursor({ dir: 'n', key: last.seq, seq: last.seq })));
    }
    return this.reply(op, doc);
  }

  /** An answer built from the schema alone; on `/api/things/{id}` the resource carries that id. */
  private synthesized(g: GenericSpec, op: GenericOperation, ctx: Ctx, id: string | undefined): HttpReply {
    if (!op.success.schema) return this.reply(op, null);
    const key = `${op.id}:${ctx.req.url.pathname}${ctx.req.url.search}:${ctx.req.body}`;
    const doc = this.build(g, op.success.schema, ctx, key);
    const data = (doc as Doc | undefined)?.data;
    if (
      id !== undefined &&
      data &&
      !Array.isArray(data) &&
      typeof data.id === 'string' &&
      op.path.endsWith('}')
    ) {
      const before = data.id;
      data.id = id;
      if (!g.ajv.compile(op.success.schema)(doc)) data.id = before;
    }
    if (data?.links?.self) data.links.self = `${ctx.req.url.origin}${ctx.req.url.pathname}/`;
    return this.reply(op, doc);
  }

  /**
   * A stored row laid over a synthesized resource: id, attributes the response schema has, relationship
   * data, timestamps. A member the response schema refuses (a write-only shape) keeps its synthesized value.
   */
  private present(g: GenericSpec, schema: Schema, base: Doc, row: GenericRow, ctx: Ctx): Doc {
    const item: Doc = { ...base, id: row.id, attributes: { ...base.attributes } };
    const reverts: [string, () => void][] = [];
    const attrs = item.attributes as Doc;
    for (const [k, v] of Object.entries(row.attributes)) {
      if (!(k in attrs)) continue;
      const before = attrs[k];
      attrs[k] = v;
      reverts.push([`/attributes/${k}`, () => (attrs[k] = before)]);
    }
    for (const [names, ms] of [
      [CREATED, row.created],
      [UPDATED, row.updated],
    ] as const) {
      for (const k of names) if (typeof attrs[k] === 'string') attrs[k] = isoTime(ms);
    }
    if (item.relationships) {
      const rels = { ...item.relationships };
      item.relationships = rels;
      for (const [k, v] of Object.entries(row.relationships)) {
        const data = (v as Doc | undefined)?.data;
        if (!rels[k] || data === undefined) continue;
        const before = rels[k];
        rels[k] = { ...before, data };
        reverts.push([`/relationships/${k}`, () => (rels[k] = before)]);
      }
    }
    if (item.links?.self)
      item.links = { ...item.links, self: `${ctx.req.url.origin}${resourcePath(ctx)}${row.id}/` };
    // The stored values must fit the response schema: put back the synthesized value of any it refuses.
    const validate = g.ajv.compile(schema);
    while (!validate(item)) {
      const at = validate.errors?.[0]?.instancePath ?? '';
      const i = reverts.findIndex(([p]) => at === p || at.startsWith(`${p}/`));
      if (i < 0) break;
      reverts[i]![1]();
      reverts.splice(i, 1);
    }
    return item;
  }

  private build(g: GenericSpec, schema: unknown, ctx: Ctx, key: string): unknown {
    const rng = createRng(hashString(`${this.seed}:${key}`));
    const ids = new IdFactory(rng, ctx.clock);
    return synth(schema, {
      rng,
      now: ctx.clock.now(),
      resolve: g.resolve,
      origin: ctx.req.url.origin,
      id: () => ids.ulid(),
    });
  }

  private reply(op: GenericOperation, doc: unknown): HttpReply {
    if (doc === null || !op.success.schema)
      return { status: op.success.status, headers: { ...MARK }, body: null };
    return {
      status: op.success.status,
      headers: { 'content-type': op.success.mediaType ?? 'application/vnd.api+json', ...MARK },
      body: JSON.stringify(doc),
    };
  }

  /** Types a generic `create` makes and a generic `get` or `list` reads back. */
  private storedTypes(g: GenericSpec): Set<string> {
    if (this.stored) return this.stored;
    const ops = [...g.operations.values()].filter((op) => !this.implemented.has(op.id) && op.type);
    const created = new Set(ops.filter((op) => op.kind === 'create').map((op) => op.type!));
    this.stored = new Set(
      ops
        .filter((op) => (op.kind === 'get' || op.kind === 'list') && created.has(op.type!))
        .map((op) => op.type!),
    );
    return this.stored;
  }
}

/** The schema of a response document's `data`. */
function dataSchema(g: GenericSpec, doc: Schema): Schema {
  return g.resolve((g.resolve(doc).properties as Record<string, unknown> | undefined)?.data);
}

/** `/api/tags/` for a request on `/api/tags` or `/api/tags/{id}`. */
function resourcePath(ctx: Ctx): string {
  const segments = ctx.req.path.split('/').filter(Boolean);
  return `/${segments.slice(0, 2).join('/')}/`;
}

/** `[` and `]` (as in `page[size]`) percent-encoded: the spec's `uri` format refuses them raw. */
function uri(link: string): string {
  return link.replace(/\[/g, '%5B').replace(/\]/g, '%5D');
}
