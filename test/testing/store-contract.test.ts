import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('storeContract under node:test', () => {
  // Uses the built package (`npm test` builds before jest runs), as a third-party store author would.
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', join(__dirname, 'contract-under-node-test.mjs')], {
    encoding: 'utf8',
  });
  const suites = new Map(
    run.stdout
      .split(/^# Subtest: /m)
      .slice(1)
      .map((part) => [
        part.slice(0, part.indexOf('\n')),
        [...part.matchAll(/^ {4}(ok|not ok) \d+ - (.+)$/gm)].map(([, outcome, title]) => ({ outcome, title })),
      ]),
  );

  it('passes a store that keeps the contract', () => {
    const memory = suites.get('MemoryTokenStore (store contract)') ?? [];
    expect(memory.length).toBe(25);
    expect(memory.filter(({ outcome }) => outcome !== 'ok')).toEqual([]);
  });

  it('fails, by name, the cases a broken store breaks, and exits non-zero', () => {
    const forgetful = suites.get('ForgetfulStore (store contract)') ?? [];
    expect(forgetful.length).toBe(24);
    expect(forgetful.filter(({ outcome }) => outcome === 'not ok').map(({ title }) => title)).toEqual([
      'deleteBySubject deletes exactly the tokens of that subject',
      'subjects with * ? [ { } : and spaces are plain strings',
    ]);
    expect(run.status).toBe(1);
  });
});
