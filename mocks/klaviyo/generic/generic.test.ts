import { ApiKeySession, RetryWithExponentialBackoff, TagsApi } from 'klaviyo-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../lib/clock.ts';
import { contractChecked, raw, sdkError, startChecked } from '../../../test/klaviyo/helpers.ts';
import type { MockRequest } from '../../shared/http.ts';
import type { RunningServer } from '../../shared/listen.ts';
import { Router, route } from '../core/router.ts';
import { startKlaviyoServer } from '../index.ts';
import { exampleRequest } from './example-request.ts';
import { genericSpec } from './model.ts';

const contract = contractChecked();
let server: RunningServer;
let tags: TagsApi;
beforeAll(async () => {
  server = await startChecked(contract, { port: 0 });
  tags = new TagsApi(new ApiKeySession('pk_generic', new RetryWithExponentialBackoff({ numRetries: 0 })));
  tags.basePath = server.url;
});
afterAll(() => server?.close());

const json = async (res: Response) => (await res.json()) as any;

describe('the generic tier through the official SDK (TagsApi: no group implements tags)', () => {
  it('creates, reads, lists, patches and deletes a tag; an unknown or deleted id is 404', async () => {
    const created = await tags.createTag({ data: { type: 'tag', attributes: { name: 'bedtime' } } });
    expect(created.response.status).toBe(201);
    expect(created.response.headers['x-dreamflow-emulation']).toBe('generic');
    const id = created.body.data.id;
    expect(created.body.data).toMatchObject({ type: 'tag', attributes: { name: 'bedtime' } });

    const read = await tags.getTag(id);
    expect(read.body.data).toMatchObject({ id, type: 'tag', attributes: { name: 'bedtime' } });
    expect(read.body.data.links.self).toBe(`${server.url}/api/tags/${id}/`);

    const patched = await tags.updateTag(id, { data: { type: 'tag', id, attributes: { name: 'sleepy' } } });
    expect(patched.response.status).toBe(204);
    expect((await tags.getTag(id)).body.data.attributes.name).toBe('sleepy');

    const list = await tags.getTags();
    expect(list.body.data.map((t: { id: string }) => t.id)).toEqual([id]);

    expect((await tags.deleteTag(id)).response.status).toBe(204);
    const gone = await sdkError(tags.getTag(id));
    expect(gone.status).toBe(404);
    expect(gone.data.errors[0]).toMatchObject({
      code: 'not_found',
      detail: `A tag with id '${id}' does not exist.`,
    });
    expect((await sdkError(tags.deleteTag('no-such-tag'))).status).toBe(404);
    expect(
      (
        await sdkError(
          tags.updateTag('no-such-tag', { data: { type: 'tag', id: 'x', attributes: { name: 'y' } } }),
        )
      ).status,
    ).toBe(404);
  });

  it('keeps accounts apart and pages lists with page[size] and links.next', async () => {
    const other = await raw(server.url, '/api/tags', {
      headers: { authorization: 'Klaviyo-API-Key pk_other' },
    });
    expect((await json(other)).data).toEqual([]);
    for (const name of ['a', 'b', 'c']) {
      const res = await raw(server.url, '/api/tags', {
        method: 'POST',
        body: JSON.stringify({ data: { type: 'tag', attributes: { name } } }),
        headers: { authorization: 'Klaviyo-API-Key pk_pages' },
      });
      expect(res.status).toBe(201);
    }
    const page = (path: string) =>
      raw(server.url, path, { headers: { authorization: 'Klaviyo-API-Key pk_pages' } });
    const first = await json(await page('/api/tags?page[size]=2'));
    expect(first.data.map((t: any) => t.attributes.name)).toEqual(['a', 'b']);
    const next = new URL(first.links.next);
    const second = await json(await page(next.pathname + next.search));
    expect(second.data.map((t: any) => t.attributes.name)).toEqual(['c']);
    expect(second.links.next).toBeUndefined();
  });
});

describe('the generic tier refuses what the spec refuses, as Klaviyo does', () => {
  const post = (path: string, body: string) => raw(server.url, path, { method: 'POST', body });

  it('400 with source.pointer for a body that does not match the request schema', async () => {
    const cases: [string, string][] = [
      [JSON.stringify({ data: { type: 'tag', attributes: {} } }), '/data/attributes/name'],
      [JSON.stringify({ data: { type: 'coupon', attributes: { name: 'x' } } }), '/data/type'],
      [JSON.stringify({ data: { type: 'tag', attributes: { name: 42 } } }), '/data/attributes/name'],
      [JSON.stringify({}), '/data'],
      ['{"data":', '/data'],
      ['', '/data'],
    ];
    for (const [body, pointer] of cases) {
      const res = await post('/api/tags', body);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('x-dreamflow-emulation')).toBe('generic');
      const error = (await json(res)).errors[0];
      expect(error, body).toMatchObject({ status: 400, code: 'invalid', source: { pointer } });
    }
  });

  it('400 with source.parameter for a missing required filter, a bad enum value, a bad filter or page size', async () => {
    const cases: [string, string, RegExp][] = [
      ['/api/coupon-codes', 'filter', /required/],
      ['/api/tags?fields[tag]=name,colour', 'fields[tag]', /'colour' is not a valid value/],
      ['/api/tags?filter=equals(colour,"red")', 'filter', /'colour' is not a filterable field/],
      ['/api/tags?filter=equals(name', 'filter', /./],
      ['/api/tags?page[size]=1000', 'page[size]', /integer from 1 to/],
      ['/api/tags?sort=colour', 'sort', /'colour' is not a valid value/],
    ];
    for (const [path, parameter, detail] of cases) {
      const res = await raw(server.url, path);
      expect(res.status, path).toBe(400);
      const error = (await json(res)).errors[0];
      expect(error.source, path).toEqual({ parameter });
      expect(error.detail, path).toMatch(detail);
    }
  });

  it('404 for an unknown id of a type it stores, a spec-built answer for one it cannot create', async () => {
    const unknown = await raw(server.url, '/api/coupons/NOPE');
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).errors[0].code).toBe('not_found');
    const account = await raw(server.url, '/api/accounts/Xy12Ab');
    expect(account.status).toBe(200);
    expect((await json(account)).data).toMatchObject({ type: 'account', id: 'Xy12Ab' });
  });

  it('answers a bulk job 202, reads it back, and marks generic answers in the request journal', async () => {
    const g = genericSpec();
    const example = exampleRequest(g, g.operations.get('bulk_create_coupon_codes')!);
    const job = await post(example.url, example.body!);
    expect(job.status).toBe(202);
    const id = (await json(job)).data.id;
    const read = await raw(server.url, `/api/coupon-code-bulk-create-jobs/${id}`);
    expect(read.status).toBe(200);
    expect((await json(read)).data).toMatchObject({ type: 'coupon-code-bulk-create-job', id });
    const journal = await json(await fetch(`${server.url}/__admin/requests`));
    const entries = journal.requests ?? journal;
    expect(entries.at(-2)).toMatchObject({
      operation: 'bulk_create_coupon_codes',
      status: 202,
      emulation: 'generic',
    });
    const lists = await raw(server.url, '/api/lists');
    expect(lists.headers.get('x-dreamflow-emulation')).toBeNull();
    const again = await json(await fetch(`${server.url}/__admin/requests`));
    expect((again.requests ?? again).at(-1).emulation).toBeUndefined();
  });
});

describe('determinism and precedence', () => {
  it('gives the same body for the same seed and request, another for another seed', async () => {
    const bodies: string[] = [];
    for (const seed of [7, 7, 8]) {
      const s = await startKlaviyoServer({ port: 0, rateLimits: false, seed, clock: new VirtualClock() });
      try {
        bodies.push((await (await raw(s.url, '/api/accounts/Ab12Cd')).text()).replaceAll(s.url, 'ORIGIN'));
      } finally {
        await s.close();
      }
    }
    const [a, b, c] = bodies.map((t) => JSON.parse(t).data);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('routes a group registers always win over the generic tier; other methods of that path still reach it', () => {
    const mine = () => ({ status: 200, headers: {}, body: 'group' });
    const generic = () => ({ status: 200, headers: {}, body: 'generic' });
    const router = new Router([route('GET', '/api/tags/:id', 'get_tag', mine)], () => generic);
    const req = (method: string, path: string) => ({ method, path }) as MockRequest;
    const get = router.match(req('GET', '/api/tags/abc'));
    expect(get && 'route' in get && get.route.handler).toBe(mine);
    const patch = router.match(req('PATCH', '/api/tags/abc'));
    expect(patch && 'route' in patch && patch.route).toMatchObject({
      operation: 'update_tag',
      handler: generic,
    });
    expect(patch && 'params' in patch && patch.params).toEqual({ id: 'abc' });
    expect(router.match(req('PUT', '/api/tags/abc'))).toEqual({ allowed: ['GET'] });
    expect(router.match(req('GET', '/api/nothing'))).toBeNull();
  });
});
