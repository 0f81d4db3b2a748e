/**
 * In-process CPU profiling of just the measured phase (node:inspector), so a profile shows the work
 * under load rather than start-up (module loading and transpiling dominate a whole-process --cpu-prof).
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** Start the V8 profiler; the returned function stops it and writes a `.cpuprofile` to `file`. */
export async function startProfiling(): Promise<(file: string) => Promise<string>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 1 ms sampling is enough for a 5 s load phase and keeps the file small.
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}
