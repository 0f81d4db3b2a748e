/**
 * Teammates' modules land at different times; a suite whose module is missing reports
 * "skipped: module not available" instead of failing the run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (benchmarks/lib → ../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export class ModuleUnavailable extends Error {
  constructor(
    readonly relPath: string,
    detail?: string,
  ) {
    super(`module not available (${relPath}${detail ? `: ${detail}` : ''})`);
  }
}

/** Import a repo-relative module, or throw ModuleUnavailable when the file is absent or fails to load. */
export async function importOptional<T = Record<string, unknown>>(relPath: string): Promise<T> {
  const abs = path.join(ROOT, relPath);
  if (!existsSync(abs)) throw new ModuleUnavailable(relPath);
  try {
    return (await import(pathToFileURL(abs).href)) as T;
  } catch (err) {
    throw new ModuleUnavailable(relPath, (err as Error).message.split('\n')[0]);
  }
}

export function moduleExists(relPath: string): boolean {
  return existsSync(path.join(ROOT, relPath));
}
