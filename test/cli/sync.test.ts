import { hashToken } from '../../src/core/hash.js';
import type { AccessToken } from '../../src/core/record.js';
import { startFakeAuthlete, type FakeAuthlete, type FakeAuthleteCall, type FakeAuthleteReply } from '../../src/testing/index.js';
import { freePort } from '../helpers/free-port.js';
import { HOUR, NOW, failure, runCli, useTempDir, type CliResult } from './run-cli.js';

// token sync authlete, against the fake Authlete (its token list API, 20 a page), into SQLite. The
// service access token comes from AUTHLETE_ACCESS_TOKEN and is never printed.

const dir = useTempDir('etg-cli-sync-');
let stores = 0;

const records: AccessToken[] = Array.from({ length: 45 }, (_, i) => ({
  accessTokenHash: hashToken(`sync-${i}`),
  accessTokenExpiresAt: NOW + HOUR + i,
  clientId: 1000 + (i % 3),
  subject: `user-${i % 5}`,
  grantType: 'AUTHORIZATION_CODE',
  scopes: ['openid', 'read'],
  properties: [{ key: 'n', value: String(i), hidden: i % 2 === 0 }],
}));
const tokens = Object.fromEntries(records.map((record, i) => [`sync-${i}`, record]));

let fake: FakeAuthlete;
let reply: ((call: FakeAuthleteCall) => FakeAuthleteReply | undefined) | undefined;
beforeAll(async () => {
  fake = await startFakeAuthlete({ tokens, intercept: (call) => reply?.(call) });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  reply = undefined;
  fake.calls.length = 0;
});

/** A store that exists (token sync never creates one), made by importing nothing. */
async function existingStore(): Promise<string> {
  const store = `sqlite:./sync-${++stores}.db`;
  expect(await runCli(['token', 'import', '-', '--store', store], { cwd: dir(), input: '' })).toEqual({ code: 0, stdout: 'Imported 0 records.\n', stderr: '' });
  return store;
}

async function sync(store: string, extra: string[] = [], serviceToken = fake.accessToken, baseUrl = fake.baseUrl): Promise<CliResult> {
  const args = ['token', 'sync', 'authlete', '--store', store, '--base-url', baseUrl, '--service-id', fake.serviceId, ...extra];
  const result = await runCli(args, { cwd: dir(), env: { AUTHLETE_ACCESS_TOKEN: serviceToken } });
  expect(result.stdout + result.stderr).not.toContain(serviceToken);
  return result;
}

async function listed(store: string): Promise<AccessToken[]> {
  const { stdout } = await runCli(['token', 'list', '--json', '--store', store], { cwd: dir() });
  return stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as AccessToken);
}
const byHash = (list: readonly AccessToken[]) => [...list].sort((a, b) => ((a.accessTokenHash as string) < (b.accessTokenHash as string) ? -1 : 1));

describe('token sync authlete', () => {
  it('copies every token, page by page, with the service token from the environment', async () => {
    const store = await existingStore();
    expect(await sync(store)).toEqual({ code: 0, stdout: 'Copied 45 tokens from Authlete.\n', stderr: '' });
    expect(byHash(await listed(store))).toEqual(byHash(records));
    expect(fake.calls.map(({ method, path }) => `${method} ${path}`)).toEqual(
      [0, 20, 40].map((start) => `GET /api/${fake.serviceId}/auth/token/get/list?start=${start}&end=${start + 20}`),
    );
  });

  it('--subject and --client-id ask for those tokens only; --json says what it copied', async () => {
    const store = await existingStore();
    expect(await sync(store, ['--subject', 'user-1', '--client-id', '1001', '--json'])).toEqual({ code: 0, stdout: '{"saved":3,"total":3}\n', stderr: '' });
    expect(byHash(await listed(store))).toEqual(byHash(records.filter((record) => record.subject === 'user-1' && record.clientId === 1001)));
    expect(fake.calls.map(({ path }) => path)).toEqual([`/api/${fake.serviceId}/auth/token/get/list?start=0&end=20&clientIdentifier=1001&subject=user-1`]);
  });

  it('a wrong service token is a one-line error, naming Authlete’s result code', async () => {
    const store = await existingStore();
    expect(await sync(store, [], 'not-the-service-token')).toEqual(
      failure('sync', 'Authlete token list, page 0–20 answered HTTP 401 (A001202); nothing was copied'),
    );
  });

  it('a page that fails keeps the pages before it, and says how many', async () => {
    const store = await existingStore();
    reply = (call) => (call.path.includes('start=20') ? { status: 500, body: '{"resultCode":"A000500","resultMessage":"boom"}' } : undefined);
    expect(await sync(store)).toEqual(failure('sync', 'Authlete token list, page 20–40 answered HTTP 500 (A000500); 20 tokens had been copied before it'));
    expect((await listed(store)).length).toBe(20);
  });

  it('a record Authlete sends that is not valid names its place and field', async () => {
    const store = await existingStore();
    reply = (call) =>
      call.path.includes('start=0')
        ? { status: 200, body: JSON.stringify({ totalCount: 2, accessTokens: [records[0], { ...records[1], accessTokenExpiresAt: 'soon' }] }) }
        : undefined;
    expect(await sync(store)).toEqual(
      failure(
        'sync',
        'syncFromAuthlete: record 2 of 2 (accessTokens[1] of Authlete token list, page 0–20): parseAccessToken: accessTokenExpiresAt must be an integer (ms since the epoch); nothing was copied',
      ),
    );
  });

  it('an Authlete that cannot be reached is a one-line error', async () => {
    const store = await existingStore();
    const port = await freePort();
    expect(await sync(store, [], fake.accessToken, `http://127.0.0.1:${port}`)).toEqual(
      failure('sync', 'Authlete token list, page 0–20: the request failed (ECONNREFUSED); nothing was copied'),
    );
  });
});
