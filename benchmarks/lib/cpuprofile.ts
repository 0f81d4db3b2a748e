/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and says where the time goes: the hottest
 * functions by self time (file:function) and the share of time per package / repo file, so a report can
 * name the hot path instead of pasting a flame graph.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './optional.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  /** `file:function:line`, repo-relative where possible. */
  where: string;
  selfPct: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of time the thread was idle (waiting for I/O). */
  idlePct: number;
  topFunctions: HotSpot[];
  /** Self time grouped by repo file, npm package or `node:internal`. */
  byModule: HotSpot[];
  /** Inclusive time (self + callees) of this repository's own functions: where a request's time goes. */
  repoInclusive: HotSpot[];
}

export function summariseProfile(file: string, top = 10): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let total = 0;
  const count = Math.min(profile.samples.length, profile.timeDeltas.length);
  for (let i = 0; i < count; i++) {
    const dt = Math.max(0, profile.timeDeltas[i]!);
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const fnTime = new Map<string, number>();
  const modTime = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const mod = moduleOf(url, functionName);
    const where = label(url, functionName, lineNumber, mod);
    fnTime.set(where, (fnTime.get(where) ?? 0) + us);
    modTime.set(mod, (modTime.get(mod) ?? 0) + us);
  }
  const busy = Math.max(1, total - idle);
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ where, selfPct: round1((us / busy) * 100) }));
  // Inclusive time per repo function: each node's subtree time, counted once per distinct function on
  // a path (so recursion does not double count).
  const inclusive = new Map<string, number>();
  const root = profile.nodes[0];
  const walk = (node: ProfileNode, onPath: Set<string>): number => {
    let sum = selfUs.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const mine = isRepo(url) ? label(url, functionName, lineNumber, moduleOf(url, functionName)) : null;
    const fresh = mine !== null && !onPath.has(mine);
    if (fresh) onPath.add(mine!);
    for (const c of node.children ?? []) {
      const child = byId.get(c);
      if (child) sum += walk(child, onPath);
    }
    if (fresh) {
      onPath.delete(mine!);
      inclusive.set(mine!, (inclusive.get(mine!) ?? 0) + sum);
    }
    return sum;
  };
  if (root) walk(root, new Set());
  return {
    totalMs: round1(total / 1000),
    idlePct: round1((idle / Math.max(1, total)) * 100),
    topFunctions: rank(fnTime),
    byModule: rank(modTime),
    repoInclusive: rank(inclusive),
  };
}

function isRepo(url: string): boolean {
  return url.startsWith('file://') && !url.includes('node_modules/') && url.includes(ROOT);
}

function label(url: string, fn: string, line: number, mod: string): string {
  // Line numbers of tsx-transformed TypeScript do not match the sources, so repo files get none.
  const showLine = url && !isRepo(url);
  return `${mod === '(native)' ? '' : `${shortUrl(url)}:`}${fn || '(anonymous)'}${showLine ? `:${line + 1}` : ''}`;
}

function shortUrl(url: string): string {
  if (!url) return '';
  let p = url;
  if (p.startsWith('file://')) {
    try {
      p = fileURLToPath(p);
    } catch {
      // keep as is
    }
  }
  if (p.startsWith(ROOT)) p = path.relative(ROOT, p);
  const nm = p.lastIndexOf('node_modules/');
  return nm >= 0 ? p.slice(nm + 'node_modules/'.length) : p;
}

function moduleOf(url: string, fn: string): string {
  if (!url) return fn === '(garbage collector)' ? '(gc)' : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const short = shortUrl(url);
  if (url.includes('node_modules/')) {
    const parts = short.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return short;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** One line for a report: the top few hot spots. */
export function describeHotPath(s: ProfileSummary, n = 5): string {
  const fns = s.topFunctions
    .slice(0, n)
    .map((h) => `${h.where} ${h.selfPct}%`)
    .join('; ');
  const mods = s.byModule
    .slice(0, n)
    .map((h) => `${h.where} ${h.selfPct}%`)
    .join('; ');
  const incl = s.repoInclusive
    .slice(0, n + 3)
    .map((h) => `${h.where} ${h.selfPct}%`)
    .join('; ');
  return `busy ${round1(100 - s.idlePct)}% of ${s.totalMs} ms. Top self time: ${fns}. By module: ${mods}. Repo functions incl. callees: ${incl}.`;
}
