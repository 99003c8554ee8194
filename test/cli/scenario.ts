import { hashToken } from '../../src/core/hash.js';
import type { AccessToken } from '../../src/core/record.js';
import { HOUR, NOW, iso, runCli, type CliResult } from './run-cli.js';

// The same commands against every store: each file (sqlite, redis, postgres) runs these cases with
// a fresh store per case, then adds what is particular to its backend.

export interface ScenarioOptions {
  /** A `--store` value for a backend that holds nothing yet. */
  fresh: () => Promise<string>;
  /** Where the CLI runs. */
  cwd: () => string;
  /** Redis drops expired records when they are saved, and lists in its own order. */
  redis?: boolean;
  /** How messages show the store (a password as ***). Default: as given. */
  shown?: (store: string) => string;
}

export const MINUTE = 60_000;
export const DAY = 24 * HOUR;

/** The records every case starts from (`seed`), by token. */
export const FIXTURE: Record<string, AccessToken> = {
  'tok-a': {
    accessTokenHash: hashToken('tok-a'),
    accessTokenExpiresAt: NOW + 90 * MINUTE,
    clientId: 42,
    subject: 'alice',
    grantType: 'AUTHORIZATION_CODE',
    scopes: ['items:read', 'items:write'],
  },
  'tok-b': { accessTokenHash: hashToken('tok-b'), accessTokenExpiresAt: NOW - 2 * HOUR, clientId: 7, subject: 'bob', scopes: ['items:read'] },
  'tok-c': { accessTokenHash: hashToken('tok-c'), clientId: 42, scopes: ['admin'] },
  'tok-d': { accessTokenHash: hashToken('tok-d'), accessTokenExpiresAt: NOW + 7 * DAY + 3 * HOUR, subject: 'service-account-with-a-rather-long-name', scopes: [] },
};
/** The fixture's tokens in the order of their hashes: 76HN… (b), EjYY… (c), GPEN… (d), T2ak… (a). */
const IN_HASH_ORDER = ['tok-b', 'tok-c', 'tok-d', 'tok-a'];
const EXPIRED = new Set(['tok-b', 'tok-c']);

/** `node main.js token <command> --store <store> <rest>` from the case's directory. */
export type Token = (args: readonly string[], input?: string) => Promise<CliResult>;

export function cliScenario(title: string, options: ScenarioOptions): void {
  const { redis = false } = options;
  const kept = (tokens: readonly string[]) => tokens.filter((token) => !(redis && EXPIRED.has(token)));

  /** A case with a fresh store, seeded with the fixture (through token import) unless `seed` is false. */
  const test = (name: string, body: (token: Token, store: string) => Promise<void>, seed = true): void => {
    it(name, async () => {
      const store = await options.fresh();
      // --store before the rest, so that it stays an option after a "--".
      const token: Token = ([command, ...rest], input) =>
        runCli(['token', command as string, '--store', store, ...rest], { cwd: options.cwd(), ...(input === undefined ? {} : { input }) });
      if (seed) {
        const lines = Object.values(FIXTURE).map((record) => JSON.stringify(record));
        expect(await token(['import', '-'], `${lines.join('\n')}\n`)).toEqual({ code: 0, stdout: 'Imported 4 records.\n', stderr: '' });
      }
      await body(token, store);
    });
  };

  /** The table `token list` prints for these fixture tokens (each row a page apart from Redis's order). */
  const table = (tokens: readonly string[], summary: string): string => {
    const rows: Record<string, string[]> = {
      'tok-a': ['T2akKD-LyXaM…', 'alice', '42', `in 1h 30m (${iso(90 * MINUTE)})`, 'items:read items:write'],
      'tok-b': ['76HNMtQ3pN0w…', 'bob', '7', `expired 2h ago (${iso(-2 * HOUR)})`, 'items:read'],
      'tok-c': ['EjYYPTdnllj5…', '-', '42', 'expired (no expiry set)', 'admin'],
      'tok-d': ['GPENd8lZmF0V…', 'service-account-with-a-rather-l…', '-', `in 7d 3h (${iso(7 * DAY + 3 * HOUR)})`, '-'],
    };
    const shown = [['HASH', 'SUBJECT', 'CLIENT', 'EXPIRES', 'SCOPES'], ...tokens.map((token) => rows[token] as string[])];
    const widths = [0, 1, 2, 3].map((i) => Math.max(...shown.map((cells) => (cells[i] as string).length)));
    const lines = shown.map((cells) => cells.map((cell, i) => (i < 4 ? cell.padEnd(widths[i] as number) : cell)).join('  '));
    return tokens.length === 0 ? `${summary}\n` : `${lines.join('\n')}\n${summary}\n`;
  };
  /** What `list` printed, its rows in hash order when the store has its own order. */
  const ordered = (result: CliResult): CliResult => {
    if (!redis) return result;
    const [header, ...rest] = result.stdout.trimEnd().split('\n');
    const summary = rest.pop();
    return { ...result, stdout: [header, ...rest.sort(), summary].filter((line) => line !== undefined).join('\n') + '\n' };
  };
  const sortedLines = (text: string): string[] => text.split('\n').filter((line) => line !== '').sort();
  const json = (tokens: readonly string[]): string[] => sortedLines(tokens.map((token) => JSON.stringify(FIXTURE[token])).join('\n'));

  describe(`${title}: the token commands`, () => {
    test('token list prints a table: shortened hash, subject (cut at 32), client, expiry, scopes', async (token) => {
      expect(ordered(await token(['list']))).toEqual({ code: 0, stdout: table(kept(IN_HASH_ORDER), `${kept(IN_HASH_ORDER).length} tokens.`), stderr: '' });
    });

    test('token list --json prints each record whole, one a line, never a token', async (token) => {
      const result = await token(['list', '--json']);
      expect([result.code, result.stderr]).toEqual([0, '']);
      if (!redis) expect(result.stdout.split('\n').filter(Boolean)).toEqual(IN_HASH_ORDER.map((token) => JSON.stringify(FIXTURE[token])));
      expect(sortedLines(result.stdout)).toEqual(json(kept(IN_HASH_ORDER)));
      for (const raw of IN_HASH_ORDER) expect(result.stdout).not.toContain(raw);
    });

    test('token list --subject, --client-id and --expired filter, and say when nothing matches', async (token) => {
      expect(ordered(await token(['list', '--subject', 'alice']))).toEqual({ code: 0, stdout: table(['tok-a'], '1 token.'), stderr: '' });
      expect(ordered(await token(['list', '--client-id', '42']))).toEqual({ code: 0, stdout: table(kept(['tok-c', 'tok-a']), `${kept(['tok-c', 'tok-a']).length} ${redis ? 'token' : 'tokens'}.`), stderr: '' });
      expect(ordered(await token(['list', '--expired']))).toEqual({
        code: 0,
        stdout: redis ? 'No expired tokens.\n' : table(['tok-b', 'tok-c'], '2 expired tokens.'),
        stderr: '',
      });
      expect(await token(['list', '--subject', 'carol'])).toEqual({ code: 0, stdout: 'No tokens.\n', stderr: '' });
      expect(await token(['list', '--expired', '--subject', 'alice', '--json'])).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(sortedLines((await token(['list', '--client-id', '42', '--json'])).stdout)).toEqual(json(kept(['tok-a', 'tok-c'])));
    });

    test('token create stores the record, prints the token once on stdout, and only its hash elsewhere', async (token, store) => {
      const args = ['create', '--subject', 'carol', '--scopes', 'items:read,items:write items:read', '--ttl', '1h', '--client-id', '9007199254740991'];
      const created = await token([...args, '--grant-type', 'PASSWORD', '--property', 'tenant=acme', '--hidden-property', 'plan=gold', '--property', 'empty=']);
      const raw = created.stdout.trimEnd();
      expect(created.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
      const hash = hashToken(raw);
      expect(created).toEqual({
        code: 0,
        stdout: `${raw}\n`,
        stderr: `Stored in ${(options.shown ?? String)(store)}: hash ${hash}, expires in 1h (${iso(HOUR)}).\nThe token is printed once: it cannot be shown again.\n`,
      });
      const listed = await token(['list', '--subject', 'carol', '--json']);
      expect(listed).toEqual({
        code: 0,
        stdout: `${JSON.stringify({
          accessTokenHash: hash,
          accessTokenExpiresAt: NOW + HOUR,
          createdAt: NOW,
          clientId: 9007199254740991,
          subject: 'carol',
          grantType: 'PASSWORD',
          scopes: ['items:read', 'items:write'],
          properties: [
            { key: 'tenant', value: 'acme', hidden: false },
            { key: 'empty', value: '', hidden: false },
            { key: 'plan', value: 'gold', hidden: true },
          ],
        })}\n`,
        stderr: '',
      });
      expect((await token(['list'])).stdout).not.toContain(raw);
      expect(await token(['revoke', raw])).toEqual({ code: 0, stdout: 'Deleted 1 token.\n', stderr: '' });
    });

    test('token create --json prints the token with its record; a client token has no subject', async (token) => {
      const created = await token(['create', '--ttl', '90s', '--client-id', '5', '--grant-type', 'CLIENT_CREDENTIALS', '--json']);
      const { token: raw, ...record } = JSON.parse(created.stdout) as { token: string };
      expect([created.code, created.stderr, raw]).toEqual([0, '', expect.stringMatching(/^[A-Za-z0-9_-]{43}$/)]);
      const expected = { accessTokenHash: hashToken(raw), accessTokenExpiresAt: NOW + 90_000, createdAt: NOW, clientId: 5, grantType: 'CLIENT_CREDENTIALS' };
      expect(record).toEqual(expected);
      expect(created.stdout).toBe(`${JSON.stringify({ token: raw, ...expected })}\n`);
      expect((await token(['list', '--client-id', '5', '--json'])).stdout).toBe(`${JSON.stringify(expected)}\n`);
    });

    test('token revoke <token>, -- <token>, --hash=<hash>, --subject and --client-id say how many they deleted', async (token) => {
      // hashToken('t176') starts with "-": a hash that looks like an option.
      const dashHash = hashToken('t176');
      expect(dashHash.startsWith('-')).toBe(true);
      const extra = [
        { accessTokenHash: hashToken('-dash-token'), accessTokenExpiresAt: NOW + HOUR, subject: 'dash' },
        { accessTokenHash: dashHash, accessTokenExpiresAt: NOW + HOUR, subject: 'dash' },
        { accessTokenHash: hashToken('tok-e'), accessTokenExpiresAt: NOW + HOUR, subject: 'alice', clientId: 42 },
      ];
      expect(await token(['import', '-'], extra.map((record) => JSON.stringify(record)).join('\n'))).toEqual({ code: 0, stdout: 'Imported 3 records.\n', stderr: '' });
      const deleted = (n: number) => ({ code: 0, stdout: `Deleted ${n} token${n === 1 ? '' : 's'}.\n`, stderr: '' });
      expect(await token(['revoke', '--', '-dash-token'])).toEqual(deleted(1));
      expect(await token(['revoke', '--', '-dash-token'])).toEqual(deleted(0));
      expect(await token(['revoke', `--hash=${dashHash}`])).toEqual(deleted(1));
      expect(await token(['revoke', '--hash', hashToken('tok-d')])).toEqual(deleted(1));
      expect(await token(['revoke', 'tok-b', '--json'])).toEqual({ code: 0, stdout: `{"deleted":${redis ? 0 : 1}}\n`, stderr: '' });
      expect(await token(['revoke', '--subject', 'alice'])).toEqual(deleted(2));
      expect(await token(['revoke', '--client-id', '42'])).toEqual(deleted(redis ? 0 : 1));
      expect(await token(['revoke', '--subject', 'alice'])).toEqual(deleted(0));
      expect(await token(['list'])).toEqual({ code: 0, stdout: 'No tokens.\n', stderr: '' });
    });

    test('token delete-expired deletes what has expired, those without an expiry included', async (token) => {
      expect(await token(['delete-expired'])).toEqual({
        code: 0,
        stdout: redis ? 'Deleted 0 expired tokens: Redis drops each token itself when it expires.\n' : 'Deleted 2 expired tokens.\n',
        stderr: '',
      });
      expect(await token(['delete-expired', '--json'])).toEqual({ code: 0, stdout: '{"deleted":0}\n', stderr: '' });
      expect(sortedLines((await token(['list', '--json'])).stdout)).toEqual(json(['tok-a', 'tok-d']));
    });

    test('token import reads JSON Lines and arrays in either spelling, upserting by hash', async (token) => {
      const snake = '{"access_token_hash":"' + hashToken('tok-a') + '","access_token_expires_at":' + (NOW + HOUR) + ',"subject":"alice","client_id":null,"scopes":["x"]}';
      expect(await token(['import', '-'], `[${snake}]`)).toEqual({ code: 0, stdout: 'Imported 1 record.\n', stderr: '' });
      expect((await token(['list', '--subject', 'alice', '--json'])).stdout).toBe(
        `${JSON.stringify({ accessTokenHash: hashToken('tok-a'), accessTokenExpiresAt: NOW + HOUR, subject: 'alice', scopes: ['x'] })}\n`,
      );
    });
  });
}
