import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeHotPath, summariseProfile } from './cpuprofile.ts';
import { ROOT } from './optional.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cpuprofile-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const repoFile = pathToFileURL(path.join(ROOT, 'mocks/klaviyo/store.ts')).href;
const pkgFile = pathToFileURL(path.join(ROOT, 'node_modules/zod/index.js')).href;

/** root → handle (repo) → [insertEvent (repo), parse (zod)]; plus an idle node. */
function profile(): object {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({
    functionName,
    url,
    lineNumber,
    scriptId: '0',
    columnNumber: 0,
  });
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 5] },
      { id: 2, callFrame: frame('handle', repoFile, 10), children: [3, 4] },
      { id: 3, callFrame: frame('insertEvent', repoFile, 20), children: [] },
      { id: 4, callFrame: frame('parse', pkgFile, 7), children: [] },
      { id: 5, callFrame: frame('(idle)'), children: [] },
    ],
    // 10 µs per sample: handle 1, insertEvent 5, parse 2, idle 2.
    samples: [2, 3, 3, 3, 3, 3, 4, 4, 5, 5],
    timeDeltas: Array(10).fill(10),
    startTime: 0,
    endTime: 100,
  };
}

describe('summariseProfile', () => {
  const file = path.join(dir, 'x.cpuprofile');
  writeFileSync(file, JSON.stringify(profile()));
  const s = summariseProfile(file);

  it('ranks self time over busy (non-idle) time and names repo files relative to the root', () => {
    expect(s.idlePct).toBe(20);
    expect(s.topFunctions[0]).toEqual({ where: 'mocks/klaviyo/store.ts:insertEvent', selfPct: 62.5 });
    expect(s.topFunctions[1]).toEqual({ where: 'zod/index.js:parse:8', selfPct: 25 });
  });

  it('groups by package and repo file, and gives repo functions their inclusive time', () => {
    expect(s.byModule).toEqual([
      { where: 'mocks/klaviyo/store.ts', selfPct: 75 },
      { where: 'zod', selfPct: 25 },
    ]);
    expect(s.repoInclusive[0]).toEqual({ where: 'mocks/klaviyo/store.ts:handle', selfPct: 100 });
    expect(describeHotPath(s)).toContain('busy 80% of 0.1 ms');
  });
});
