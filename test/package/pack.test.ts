/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepack`), install the tarball
 * into a fresh project under the OS temp dir, next to the official SDK, msw and vitest, and run that
 * project's own vitest suite (fixture/user-suite.spec.ts) on plain Node, no TypeScript loader. A
 * `tsc --noEmit` over the same suite checks the shipped type declarations.
 *
 * Dependencies come from the npm cache when it has them (`--prefer-offline`), at the versions this
 * checkout has installed. Install scripts are skipped: better-sqlite3's would download a prebuilt binary
 * from GitHub (unreachable from CI machines without internet) or compile SQLite for minutes, so the
 * binary this checkout already built for the same Node and version is copied in its place. Everything
 * else is what `npm install dreamflow-sim-x.y.z.tgz` gives a user.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixture');
const requireFromRoot = createRequire(join(ROOT, 'package.json'));

/** The version this checkout has installed, so the temp project resolves the same (cached) packages. */
function installed(name: string): string {
  const pkg = JSON.parse(readFileSync(requireFromRoot.resolve(`${name}/package.json`), 'utf8'));
  return `${name}@${pkg.version}`;
}

/**
 * The parent's npm and vitest variables would leak into the child npm and vitest (lifecycle config, the
 * worker's own pool ids); drop them, and any NODE_OPTIONS loader, so the project runs as from a shell.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|TINYPOOL)/i.test(k) || ['TEST', 'NODE_OPTIONS', 'NODE_ENV', 'INIT_CWD'].includes(k))
      continue;
    env[k] = v;
  }
  // Plain output, so the summary line can be matched.
  delete env.FORCE_COLOR;
  env.NO_COLOR = '1';
  return env;
}

const tmp = mkdtempSync(join(tmpdir(), 'dreamflow-pack-'));
// A whole node_modules to delete: give it time on a loaded machine.
afterAll(() => rmSync(tmp, { recursive: true, force: true }), 5 * 60_000);

it(
  'installs from the packed tarball and passes a user project’s vitest suite on plain Node',
  async () => {
    const env = cleanEnv();
    const exec = (cmd: string, args: string[], cwd: string, timeoutMs: number) =>
      run(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });

    await exec('npm', ['pack', '--pack-destination', tmp], ROOT, 5 * 60_000);
    const tarballs = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    const tarball = join(tmp, tarballs[0]);

    const project = join(tmp, 'project');
    mkdirSync(join(project, 'test'), { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'user-project',
        private: true,
        type: 'module',
        scripts: { test: 'vitest run' },
      }),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
        },
        include: ['test'],
      }),
    );
    copyFileSync(join(FIXTURE, 'user-suite.spec.ts'), join(project, 'test', 'user-suite.test.ts'));

    await exec(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        tarball,
        ...['klaviyo-api', 'msw', 'vitest', 'typescript', '@types/node', 'better-sqlite3'].map(installed),
      ],
      project,
      8 * 60_000,
    );
    // What prebuild-install would have downloaded (see the header).
    const binary = 'build/Release/better_sqlite3.node';
    const target = join(project, 'node_modules/better-sqlite3', binary);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(dirname(requireFromRoot.resolve('better-sqlite3/package.json')), binary), target);

    // The package's own files: built JavaScript and declarations, no TypeScript sources.
    const pkgDir = join(project, 'node_modules/dreamflow-sim');
    expect(existsSync(join(pkgDir, 'dist/src/exports/testing.js'))).toBe(true);
    expect(existsSync(join(pkgDir, 'dist/src/exports/testing.d.ts'))).toBe(true);
    expect(existsSync(join(pkgDir, 'src'))).toBe(false);

    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    await exec(process.execPath, [tsc, '--noEmit', '-p', project], project, 3 * 60_000);

    const vitest = join(project, 'node_modules/vitest/vitest.mjs');
    const tested = await exec(
      process.execPath,
      [vitest, 'run', '--reporter=verbose', '--testTimeout=60000'],
      project,
      5 * 60_000,
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the user project's suite failed:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
    });
    expect(tested.stdout).toMatch(/Tests\s+8 passed \(8\)/);
  },
  20 * 60_000,
);
