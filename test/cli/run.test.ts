import { Readable, Writable } from 'node:stream';
import { hashToken } from '../../src/core/hash.js';
import type { AccessToken } from '../../src/core/record.js';
import type { CliStore, OpenStore } from '../../src/cli/open-store.js';
import { runCli } from '../../src/cli/run.js';
import { MemoryTokenStore } from '../../src/stores/memory.js';

// runCli in this process, with a store of the test's own: what the real stores cannot show (a store
// without list() or deleteExpired(), one that fails midway). Its output is checked as exactly as the
// child-process tests check theirs.

const NOW = Date.UTC(2026, 0, 1);

function collect(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

async function run(args: string[], store: CliStore, input = ''): Promise<{ code: number; stdout: string; stderr: string; closed: number }> {
  let closed = 0;
  const openStore: OpenStore = async () => ({ store, kind: 'memory', name: 'memory', close: async () => void closed++ });
  const stdout = collect();
  const stderr = collect();
  const io = { stdin: Readable.from([Buffer.from(input)]), stdout, stderr, env: { EXPRESS_TOKEN_GUARD_NOW: String(NOW) }, cwd: process.cwd() };
  const code = await runCli(args, io, openStore);
  return { code, stdout: stdout.text, stderr: stderr.text, closed };
}

/** A writable store with nothing else: no list(), no deleteExpired(). */
function bareStore(): CliStore {
  const inner = new MemoryTokenStore();
  return {
    findByAccessTokenHash: (hash) => inner.findByAccessTokenHash(hash),
    save: (record) => inner.save(record),
    saveMany: (records) => inner.saveMany(records),
    deleteByAccessTokenHash: (hash) => inner.deleteByAccessTokenHash(hash),
    deleteBySubject: (subject) => inner.deleteBySubject(subject),
    deleteByClientId: (clientId) => inner.deleteByClientId(clientId),
  };
}

describe('runCli with stores of other kinds', () => {
  it.each([
    ['list', 'this store cannot list its records (it has no list())'],
    ['delete-expired', 'this store cannot delete expired records (it has no deleteExpired())'],
  ])('token %s on a store without the method it needs says so and exits 1', async (command, message) => {
    expect(await run(['token', command], bareStore())).toEqual({ code: 1, stdout: '', stderr: `express-token-guard token ${command}: ${message}\n`, closed: 1 });
  });

  it('a store that fails during an import: what was written is said, in one line, and the store is closed', async () => {
    const store = bareStore();
    let batches = 0;
    store.saveMany = async (records) => {
      if (++batches === 2) throw Object.assign(new Error('disk full\n    at somewhere (file.js:1:1)'), { code: 'SQLITE_FULL' });
      await new MemoryTokenStore().saveMany(records);
    };
    const input = Array.from({ length: 15_000 }, (_, i) => JSON.stringify({ accessTokenHash: hashToken(`t${i}`) })).join('\n');
    expect(await run(['token', 'import', '-'], store, input)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'express-token-guard token import: the store failed after 10000 records had been imported: disk full\n',
      closed: 1,
    });
  });

  it('anything a store throws is one line and exit status 1, never a stack trace', async () => {
    const store = bareStore();
    store.deleteBySubject = async () => {
      throw new RangeError('the server went away\nat Socket.emit (node:events:1:1)');
    };
    expect(await run(['token', 'revoke', '--subject', 'alice'], store)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'express-token-guard token revoke: the server went away\n',
      closed: 1,
    });
  });

  it('token create writes the record it printed the token of, and nothing else', async () => {
    const saved: AccessToken[] = [];
    const store = bareStore();
    store.save = async (record) => void saved.push(record);
    const result = await run(['token', 'create', '--ttl', '7d', '--scopes', 'a b', '--json'], store);
    const { token } = JSON.parse(result.stdout) as { token: string };
    expect(saved).toEqual([{ accessTokenHash: hashToken(token), accessTokenExpiresAt: NOW + 7 * 86_400_000, createdAt: NOW, scopes: ['a', 'b'] }]);
    expect([result.code, result.stderr, result.closed]).toEqual([0, '', 1]);
  });
});
