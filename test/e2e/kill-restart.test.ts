/**
 * Issue 11: `dreamflow-sim app --outbox-db F --seed S` killed with SIGKILL in the middle of a load and
 * started again with the same flags. After the restart no request may answer 5xx (seeded ids used to
 * collide with stored rows: 23505), and every story the app acknowledged must reach Klaviyo exactly
 * once: the outbox file keeps what was not delivered, and redelivery is deduplicated by unique_id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKlaviyoServer } from '../../mocks/klaviyo/index.ts';
import { startSupabaseServer, supabaseKeys } from '../../mocks/supabase/index.ts';
import { stableId } from '../../src/integration/ids.ts';
import { sdk } from '../klaviyo/helpers.ts';

const KEY = 'pk_kill_restart_key';
const dir = mkdtempSync(join(tmpdir(), 'df-kill-'));

interface App {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

describe('kill -9 of the app mid-load, then a restart with the same seed and outbox file', () => {
  let klaviyo: Awaited<ReturnType<typeof startKlaviyoServer>>;
  let supabase: Awaited<ReturnType<typeof startSupabaseServer>>;
  const started: App[] = [];

  beforeAll(async () => {
    klaviyo = await startKlaviyoServer({ port: 0, rateLimits: false });
    supabase = await startSupabaseServer({ port: 0 });
  });
  afterAll(async () => {
    for (const app of started) if (app.child.exitCode === null) app.child.kill('SIGKILL');
    await klaviyo?.close();
    await supabase?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startApp(): Promise<App> {
    const keys = supabaseKeys();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'app',
        '--port',
        '0',
        '--outbox-db',
        join(dir, 'outbox.sqlite'),
        '--seed',
        '5',
        '--story-latency-ms',
        '0',
      ],
      {
        env: {
          ...process.env,
          KLAVIYO_API_KEY: KEY,
          KLAVIYO_BASE_URL: klaviyo.url,
          SUPABASE_URL: supabase.url,
          SUPABASE_ANON_KEY: keys.anon_key,
          SUPABASE_SERVICE_ROLE_KEY: keys.service_role_key,
          KLAVIYO_MCP_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`app did not start: ${out}`)), 30_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const url = /app listening on (\S+)/.exec(out)?.[1];
        if (url) {
          clearTimeout(timer);
          const app = { child, url, exited };
          started.push(app);
          resolve(app);
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
    });
  }

  // Each family's access token from its sign-up: the app requires it (the fake Supabase that signed it
  // keeps running, so the tokens stay valid across the app's restart).
  const tokens = new Map<string, string>();
  const post = async (app: App, path: string, body: { user_id?: string } & Record<string, unknown>) => {
    const token = body.user_id === undefined ? undefined : tokens.get(body.user_id);
    const res = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** Send `count` stories, `inFlight` at a time, round-robin over the users; stop early on `stop()`. */
  async function load(
    app: App,
    users: string[],
    count: number,
    inFlight: number,
    stop?: (acked: number) => boolean,
  ) {
    const acked: string[] = [];
    const statuses: number[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < count && !stop?.(acked.length)) {
        const user_id = users[sent++ % users.length]!;
        try {
          const res = await post(app, '/api/v1/story', {
            user_id,
            theme: 'Ocean',
            prompt: 'A sleepy whale',
            num_scenes: 2,
            mood: 'calm',
          });
          statuses.push(res.status);
          if (res.status === 200 || res.status === 201) acked.push(String(res.body.story_id));
          stop?.(acked.length);
        } catch {
          // The connection died with the process: not acknowledged, so nothing was promised.
        }
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    return { acked, statuses };
  }

  async function storedEventIds(): Promise<string[]> {
    const k = sdk(KEY, klaviyo.url);
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await k.events.getEvents({ pageCursor: cursor });
      for (const e of res.body.data) {
        const id = (e.attributes?.eventProperties as Record<string, unknown> | undefined)?.$event_id;
        if (typeof id === 'string') ids.push(id);
      }
      const next = res.body.links?.next;
      if (!next) break;
      cursor = new URL(next).searchParams.get('page[cursor]') ?? undefined;
    }
    return ids;
  }

  it('answers no 5xx after the restart and delivers every acknowledged story exactly once', async () => {
    let app = await startApp();
    const users: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(app, '/api/v1/auth/signup', {
        email: `kill${i}@example.com`,
        password: 'pass-word-1',
      });
      expect(res.status).toBeLessThan(300);
      users.push(String(res.body.user_id));
      tokens.set(String(res.body.user_id), String(res.body.access_token));
    }

    // Kill -9 once 25 stories are acknowledged, with more in flight.
    const first = load(app, users, 400, 4, (acked) => {
      if (acked >= 25 && app.child.exitCode === null) app.child.kill('SIGKILL');
      return acked >= 25;
    });
    const before = await first;
    expect(await app.exited).toBeNull(); // killed by a signal, not a clean exit
    expect(before.acked.length).toBeGreaterThanOrEqual(25);

    app = await startApp();
    const after = await load(app, users, 40, 4);
    expect(after.statuses.filter((s) => s >= 500)).toEqual([]);
    expect(after.acked.length).toBe(40);

    // A clean stop flushes the outbox (what run 1 left behind included).
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);

    const acked = [...before.acked, ...after.acked];
    const expected = acked.map((storyId) => stableId('story_generated', storyId));
    const ids = await storedEventIds();
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(expected.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
  }, 120_000);
});
