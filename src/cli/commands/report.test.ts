/** Issue 11: `report compare --json | head` must end quietly when the reader closes the pipe. */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';

const REFERENCE = 'reports/reference/report.json';

it('report compare --json stops quietly when stdout is closed early (| head)', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'report', 'compare', REFERENCE, REFERENCE, '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  // Close our end before the child writes, as `head` does once it has its lines: the child's write
  // then fails with EPIPE however small the output is.
  child.stdout.destroy();
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  expect(stderr).not.toMatch(/EPIPE|Error/);
  expect(code).toBe(0);
});
