/** Body of a shard worker thread: run one shard of the families, post progress and the outcome. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Progress } from './runner.ts';
import { runShard } from './runner.ts';
import type { ShardJob, ShardMessage } from './shard.ts';
import { createInProcessStack } from './stack-inprocess.ts';

/** Progress crosses threads at most this often (wall ms): posting per journey would cost more than it shows. */
const PROGRESS_EVERY_MS = 200;

const job = workerData as ShardJob;
const port = parentPort!;
const controller = new AbortController();
port.on('message', (msg: { type: string }) => {
  if (msg.type === 'abort') controller.abort(new Error('interrupted'));
});

const post = (msg: ShardMessage) => port.postMessage(msg);
let lastPost = 0;
try {
  const outcome = await runShard(job.scenario, createInProcessStack, job.run, job.shard, {
    transport: job.transport,
    flushDeadlineMs: job.flushDeadlineMs,
    exportDataDir: job.exportDataDir,
    signal: controller.signal,
    onProgress: (progress: Progress) => {
      const now = performance.now();
      if (now - lastPost < PROGRESS_EVERY_MS && progress.done < progress.total) return;
      lastPost = now;
      post({ type: 'progress', progress });
    },
  });
  post({ type: 'done', outcome });
} catch (err) {
  const e = err as Error & { field?: string };
  post({ type: 'error', message: e?.message ?? String(err), field: e?.field });
}
