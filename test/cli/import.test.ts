import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../../src/core/hash.js';
import { HOUR, NOW, failure, runCli, useTempDir, type CliResult } from './run-cli.js';

// token import: JSON Lines and JSON arrays, in either spelling, read a chunk at a time; a bad record
// stops the import after writing every record before it, and says where, what and how many.

const dir = useTempDir('etg-cli-import-');
let stores = 0;

const record = (i: number, fields: Record<string, unknown> = {}) => ({
  accessTokenHash: hashToken(`import-${i}`),
  accessTokenExpiresAt: NOW + HOUR,
  subject: `user-${i}`,
  ...fields,
});
const lines = (records: readonly unknown[]) => `${records.map((value) => JSON.stringify(value)).join('\n')}\n`;

/** Imports `input` from standard input into a fresh SQLite store; resolves to the result and the store's records. */
async function importInto(input: string, args: string[] = []): Promise<{ result: CliResult; stored: unknown[] }> {
  const store = `sqlite:./import-${++stores}.db`;
  const result = await runCli(['token', 'import', '--store', store, ...args, '-'], { cwd: dir(), input });
  const listed = await runCli(['token', 'list', '--json', '--store', store], { cwd: dir() });
  const stored = listed.code === 0 ? listed.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown) : [];
  return { result, stored };
}
const byHash = (records: readonly unknown[]) => [...records].sort((a, b) => ((a as { accessTokenHash: string }).accessTokenHash < (b as { accessTokenHash: string }).accessTokenHash ? -1 : 1));
const imported = (n: number): CliResult => ({ code: 0, stdout: `Imported ${n} record${n === 1 ? '' : 's'}.\n`, stderr: '' });

describe('token import: what it reads', () => {
  it('JSON Lines in camelCase, with blank lines, CRLF and a byte order mark', async () => {
    const records = [record(1), record(2, { scopes: ['a', 'b'], properties: [{ key: 'k', value: 'v', hidden: true }] }), record(3)];
    const input = `\uFEFF${JSON.stringify(records[0])}\r\n\r\n${JSON.stringify(records[1])}\r\n   \n${JSON.stringify(records[2])}`;
    const { result, stored } = await importInto(input);
    expect(result).toEqual(imported(3));
    expect(stored).toEqual(byHash(records));
  });

  it("a JSON array in the Ruby SDK's snake_case, pretty-printed, with ] , } and quotes inside strings", async () => {
    const input = JSON.stringify(
      [
        { access_token_hash: hashToken('a'), access_token_expires_at: NOW + HOUR, subject: 'x], {"y"}, [z', client_id: 7, refresh_token_scopes: ['r,]'] },
        { access_token_hash: hashToken('b'), access_token_expires_at: null, properties: [{ key: 'q\\"', value: '}]', hidden: null }] },
      ],
      null,
      2,
    );
    const { result, stored } = await importInto(input);
    expect(result).toEqual(imported(2));
    expect(stored).toEqual(
      byHash([
        { accessTokenHash: hashToken('a'), accessTokenExpiresAt: NOW + HOUR, clientId: 7, subject: 'x], {"y"}, [z', refreshTokenScopes: ['r,]'] },
        { accessTokenHash: hashToken('b'), properties: [{ key: 'q\\"', value: '}]' }] },
      ]),
    );
  });

  it('an array of 20,000 records that spans many chunks of standard input, each element cut anywhere', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => record(i, { properties: [{ key: 'note', value: `"]},[{ ${'x'.repeat(i % 97)}` }] }));
    const { result, stored } = await importInto(JSON.stringify(records));
    expect(result).toEqual(imported(20_000));
    expect(stored).toEqual(byHash(records));
  });

  it('a file, and an empty input, and an empty array', async () => {
    writeFileSync(join(dir(), 'two.jsonl'), lines([record(1), record(2)]));
    expect(await runCli(['token', 'import', 'two.jsonl', '--store', `sqlite:./import-${++stores}.db`], { cwd: dir() })).toEqual(imported(2));
    expect((await importInto('')).result).toEqual(imported(0));
    expect((await importInto(' \n[ ]\n')).result).toEqual(imported(0));
  });

  it('drops a raw accessToken field: only hashes are stored', async () => {
    const { result, stored } = await importInto(lines([{ ...record(1), accessToken: 'raw-token-never-stored' }]));
    expect(result).toEqual(imported(1));
    expect(stored).toEqual([record(1)]);
  });

  it('--json reports what it did as JSON', async () => {
    expect((await importInto(lines([record(1)]), ['--json'])).result).toEqual({ code: 0, stdout: '{"imported":1,"skipped":0}\n', stderr: '' });
  });
});

describe('token import: a bad record stops it, after writing every record before it', () => {
  const cases: Array<[string, string, string, number]> = [
    ['a field of the wrong type, on line 4', `${lines([record(1), record(2)])}\n{"access_token_hash":"h","access_token_expires_at":"soon"}\n${lines([record(5)])}`, 'line 4: access_token_expires_at must be an integer (ms since the epoch)', 2],
    ['no hash, on the first line', lines([{ subject: 'alice' }, record(2)]), 'line 1: accessTokenHash is missing: a record is stored under the hash of its token', 0],
    ['a line that is not JSON', `${lines([record(1)])}{"accessTokenHash": oops}\n`, 'line 2: not valid JSON', 1],
    ['a field in both spellings', lines([record(1), { accessTokenHash: 'h', access_token_hash: 'h' }]), 'line 2: accessTokenHash and access_token_hash are both given', 1],
    ['an array element that is not an object', JSON.stringify([record(1), record(2), 5, record(4)]), 'index 2: a record must be a JSON object', 2],
    ['an array element of the wrong type', JSON.stringify([record(1), record(2, { scopes: 'read' })]), 'index 1: scopes must be an array of strings', 1],
    ['an array that is not closed', `[${JSON.stringify(record(1))}, ${JSON.stringify(record(2)).slice(0, 30)}`, 'index 1: the input ends before the array is closed with ]', 1],
    ['an empty element', `[${JSON.stringify(record(1))},,${JSON.stringify(record(2))}]`, 'index 1: an empty element (two commas, or one before ])', 1],
    ['something after the array', `[${JSON.stringify(record(1))}] {}`, 'after index 0: there is more after the closing ]', 1],
  ];

  it.each(cases)('%s', async (_title, input, problem, before) => {
    const { result, stored } = await importInto(input);
    const said = before === 0 ? 'nothing was imported' : `the ${before} record${before === 1 ? '' : 's'} before it ${before === 1 ? 'was' : 'were'} imported`;
    expect(result).toEqual(failure('import', `${problem}; stopped there: ${said}`));
    expect(stored.length).toBe(before);
  });

  it('after 25,000 records: the two batches of 10,000 before it are written, and the half batch too', async () => {
    const records = Array.from({ length: 25_000 }, (_, i) => record(i));
    const { result, stored } = await importInto(`${lines(records)}{"accessTokenHash":"h","clientId":-1.5}\n${lines([record(99_999)])}`);
    expect(result).toEqual(failure('import', 'line 25001: clientId must be an integer no larger than 2^53-1; stopped there: the 25000 records before it were imported'));
    expect(stored).toEqual(byHash(records));
  });

  it('never repeats what a bad line holds: it may be a raw token', async () => {
    const { result } = await importInto('{"accessToken":"RAW-SECRET-TOKEN" "x"}\n');
    expect(result).toEqual(failure('import', 'line 1: not valid JSON; stopped there: nothing was imported'));
  });

  it('--skip-invalid reports each bad record on standard error and imports the rest', async () => {
    const input = `${lines([record(1)])}not json\n${lines([{ subject: 'no hash' }, record(4), record(5, { clientId: '5' })])}`;
    const { result, stored } = await importInto(input, ['--skip-invalid']);
    expect(result).toEqual({
      code: 0,
      stdout: 'Imported 2 records; skipped 3 invalid.\n',
      stderr: [
        'skipped line 2: not valid JSON',
        'skipped line 3: accessTokenHash is missing: a record is stored under the hash of its token',
        'skipped line 5: clientId must be an integer no larger than 2^53-1',
        '',
      ].join('\n'),
    });
    expect(stored).toEqual(byHash([record(1), record(4)]));
    expect((await importInto(JSON.stringify([record(1), 'x', record(3)]), ['--skip-invalid', '--json'])).result).toEqual({
      code: 0,
      stdout: '{"imported":2,"skipped":1}\n',
      stderr: 'skipped index 1: a record must be a JSON object\n',
    });
  });
});
