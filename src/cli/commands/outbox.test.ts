/** Issue 11: `outbox stats --db` on a foreign SQLite file must refuse it, not create outbox tables there. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'df-outbox-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('outbox stats on a foreign SQLite file fails naming it and leaves it untouched', () => {
  const file = join(dir, 'other.sqlite');
  const db = new Database(file);
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
  db.close();
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'outbox', 'stats', '--db', file],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  expect(run.status).not.toBe(0);
  expect(run.stderr).toMatch(/not an outbox file/);
  const check = new Database(file, { readonly: true });
  const tables = check.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as {
    name: string;
  }[];
  check.close();
  expect(tables.map((t) => t.name)).toEqual(['notes']);
});
