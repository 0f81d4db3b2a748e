/**
 * What a Supabase call costs the app: the CPU this process spends per PostgREST call made with
 * supabase-js over Node's global fetch and over the app's pooled fetch (src/integration/pooled-fetch.ts),
 * against the fake Supabase in its own process. The same calls, alternated in rounds so that machine
 * noise falls on both; the ratio is from the same run. The first round warms up both and is not counted.
 */

import { supabaseKeys } from '../../mocks/supabase/keys.ts';
import { createSupabaseClients } from '../../src/integration/supabase.ts';
import type { CaseResult } from '../lib/types.ts';
import { spawnServer, stop } from '../lib/up.ts';

const CONCURRENCY = 16;

export async function transportCase(quick: boolean): Promise<CaseResult> {
  const { child, url } = await spawnServer('supabase', ['mock', 'supabase', '--port', '0'], {});
  const keys = supabaseKeys();
  const globalFetch = createSupabaseClients(url, keys.anon_key, keys.service_role_key, (i, init) =>
    globalThis.fetch(i, init),
  );
  const pooled = createSupabaseClients(url, keys.anon_key, keys.service_role_key);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      const r = await pooled.db.from('profiles').insert({ id, email: `transport-${i}@bench.test` });
      if (r.error) throw new Error(`seeding profiles: ${r.error.message}`);
    }
    const calls = quick ? 300 : 3000;
    /** One read per call and an update every third: a story's mix. CPU ms per call. */
    const round = async (db: typeof pooled.db): Promise<number> => {
      let next = 0;
      let made = 0;
      const c0 = process.cpuUsage();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < calls) {
            const n = next++;
            const id = ids[n % ids.length]!;
            const r = await db.from('profiles').select('*').eq('id', id).maybeSingle();
            if (r.error) throw new Error(r.error.message);
            made++;
            if (n % 3 === 0) {
              const u = await db
                .from('profiles')
                .update({ total_stories: n })
                .eq('id', id)
                .select('*')
                .single();
              if (u.error) throw new Error(u.error.message);
              made++;
            }
          }
        }),
      );
      const c = process.cpuUsage(c0);
      return (c.user + c.system) / 1000 / made;
    };
    const costs = { global: [] as number[], pooled: [] as number[] };
    for (let r = 0; r < (quick ? 2 : 4); r++) {
      const g = await round(globalFetch.db);
      const p = await round(pooled.db);
      if (r > 0) {
        costs.global.push(g);
        costs.pooled.push(p);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const globalMs = median(costs.global);
    const pooledMs = median(costs.pooled);
    return {
      name: 'supabase-js transport: client CPU per PostgREST call, global fetch vs pooled fetch',
      group: 'transport',
      metrics: {
        globalFetchCpuMsPerCall: globalMs,
        pooledFetchCpuMsPerCall: pooledMs,
        ratio: globalMs / pooledMs,
      },
      notes: [
        `${calls} reads and ${Math.ceil(calls / 3)} updates a round, ${CONCURRENCY} at once, median of ${costs.global.length} rounds each (alternated); the app makes 3 such calls per story`,
      ],
    };
  } finally {
    await pooled.close?.();
    stop(child);
  }
}
