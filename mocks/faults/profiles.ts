/**
 * Named fault profiles (data files in ./profiles) and user files (YAML or JSON), validated on load.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { FaultConfigError, type FaultDocument, parseFaultDocument } from './schema.ts';

export const PROFILES_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));
const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface LoadedFaultProfile {
  /** The shipped profile's name, or the file's base name without extension for a user file. */
  name: string;
  /** Absolute path of the file it came from. */
  source: string;
  /** Whether it is one of the shipped profiles. */
  shipped: boolean;
  document: FaultDocument;
}

/** Names of the shipped profiles, sorted. */
export function listFaultProfiles(): string[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => EXTENSIONS.includes(extname(f)))
    .map((f) => f.slice(0, -extname(f).length))
    .sort();
}

/** True when the argument names a file rather than a shipped profile. */
export function looksLikePath(nameOrPath: string): boolean {
  return /[\\/]/.test(nameOrPath) || EXTENSIONS.includes(extname(nameOrPath).toLowerCase());
}

/**
 * Load a shipped profile by name (`flaky`) or a rules file by path (`./my-faults.yaml`).
 * Errors name the file and the field: `flaky.yaml: rules[2].errors[0].probability: expected …`.
 */
export function loadFaultProfile(nameOrPath: string): LoadedFaultProfile {
  if (looksLikePath(nameOrPath)) {
    const file = resolve(nameOrPath);
    if (!existsSync(file)) {
      throw new FaultConfigError(
        `Fault profile file not found: ${file}. Pass a shipped profile name (${listFaultProfiles().join(', ')}) or a path to a YAML/JSON rules file.`,
        'profile',
        nameOrPath,
      );
    }
    return { ...loadFile(file, nameOrPath), shipped: false };
  }
  const available = listFaultProfiles();
  if (!available.includes(nameOrPath)) {
    throw new FaultConfigError(
      `Unknown fault profile "${nameOrPath}". Available profiles: ${available.join(', ')}; or pass a path to a YAML/JSON rules file.`,
      'profile',
    );
  }
  const file = EXTENSIONS.map((ext) => resolve(PROFILES_DIR, nameOrPath + ext)).find((f) => existsSync(f))!;
  return { ...loadFile(file, basename(file)), shipped: true };
}

/** Parse and validate one file; `label` is how messages name it (base name for shipped files). */
function loadFile(file: string, label: string): Omit<LoadedFaultProfile, 'shipped'> {
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new FaultConfigError(
      `${label}: (document): not valid ${extname(file).slice(1).toUpperCase()}${where}: ${(err as Error).message.split('\n')[0]}`,
      '(document)',
      label,
    );
  }
  const name = basename(file, extname(file));
  return { name, source: file, document: parseFaultDocument(raw, label) };
}
