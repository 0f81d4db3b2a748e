/** The machine a run happened on: figures mean nothing without it. */
import os from 'node:os';
import type { MachineInfo } from './types.ts';

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() || 'unknown',
    // availableParallelism honours cgroup/affinity limits, which is what a container really gets.
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    totalMemMb: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    loadAvgStart: round2(os.loadavg()[0] ?? 0),
  };
}

export function loadAverage(): number {
  return round2(os.loadavg()[0] ?? 0);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
