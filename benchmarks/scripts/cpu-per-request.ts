/**
 * CPU per request of each process, for the figures in docs/performance.md ("Delivery at scale"):
 * starts the Klaviyo mock, the fake Supabase and the app as in `bench --only delivery`, makes 300
 * sign-ups (20 at a time) and then N stories (32 at a time), and prints each process's CPU per request
 * from `/proc/<pid>/stat` (Linux only), plus this process's own.
 *
 *   npx tsx benchmarks/scripts/cpu-per-request.ts [fault profile] [stories]
 *   npx tsx benchmarks/scripts/cpu-per-request.ts klaviyo-realistic 3000
 *
 * A measurement, not a test: run it on an idle machine, and compare runs made on the same one.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createHttpDreamFlowClient } from '../../src/app/http-client.ts';
import { createLeanFetch } from '../lib/lean-fetch.ts';
import { startUp, stop } from '../lib/up.ts';

const faults = process.argv[2] ?? 'klaviyo-realistic';
const stories = Number(process.argv[3] ?? 3000);
if (!Number.isInteger(stories) || stories < 1) {
  console.error(`stories: expected a whole number of at least 1, got '${process.argv[3]}'`);
  process.exit(2);
}

/** CPU ms (user + system) a process has used: fields 14 and 15 of /proc/<pid>/stat, in clock ticks. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
}

const up = await startUp(faults);
const names = ['klaviyo mock', 'fake supabase', 'app'];
const pids = up.children.map((c) => c.pid!);
const perRequest = (before: number[], after: number[], n: number) =>
  names.map((name, i) => `${name} ${((after[i]! - before[i]!) / n).toFixed(2)}`).join(', ');
try {
  const client = createHttpDreamFlowClient(up.appUrl, { timeoutMs: 60_000, fetch: createLeanFetch() });
  const users: string[] = [];
  const c0 = pids.map(cpuMs);
  for (let i = 0; i < 300; i += 20) {
    const batch = Array.from({ length: 20 }, (_, j) =>
      client.signup({ email: `cpu-${i + j}@bench.test`, password: `pw-${i + j}-secret`, first_name: 'C' }),
    );
    users.push(...(await Promise.all(batch)).map((r) => r.user_id));
  }
  const c1 = pids.map(cpuMs);
  console.log(`sign-up, CPU ms per request: ${perRequest(c0, c1, 300)}`);
  let next = 0;
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < stories) {
        const n = next++;
        await client.generateStory({
          user_id: users[n % users.length]!,
          theme: 'Ocean Adventure',
          prompt: 'a calm sea',
          num_scenes: 3,
          mood: 'calm',
        });
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(self0);
  const c2 = pids.map(cpuMs);
  console.log(
    `story, CPU ms per request: ${perRequest(c1, c2, stories)}, load generator ${((self.user + self.system) / 1000 / stories).toFixed(2)} (${(stories / wallS).toFixed(0)} stories/s, 32 at a time)`,
  );
} finally {
  for (const c of up.children) stop(c);
}
