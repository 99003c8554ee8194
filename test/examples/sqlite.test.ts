import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hashToken } from '../../src/index.js';
import { exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';
import { exampleStarter, expectItemsApiAndRevocation, printedTokens } from '../helpers/store-examples.js';

// examples/sqlite: SqliteTokenStore on a file, as a client meets it, and what it leaves in the file.

const SERVER = join(__dirname, '../../examples/sqlite/server.mjs');
const FILE = /^Token hashes \(never tokens\) in (\S+?)(, a temporary file deleted when the server stops)?$/m;

describe('examples/sqlite, on a temporary file', () => {
  const example = exampleUnderTest(SERVER);

  it('answers its curl lines as they say, and refuses the valid token at once once it is revoked', async () => {
    await expectItemsApiAndRevocation(example.output);
  });

  it('deletes its temporary file when it stops on SIGTERM', async () => {
    const [, file, temporary] = FILE.exec(example.output) as RegExpExecArray;
    expect([existsSync(file as string), temporary]).toEqual([true, ', a temporary file deleted when the server stops']);
    expect(await stopExample(example.child)).toBe(0);
    expect(existsSync(dirname(file as string))).toBe(false);
  });

  it.each([
    [['--file', '/nonexistent-dir/x.db'], '--file /nonexistent-dir/x.db: Cannot open database because the directory does not exist'],
    [['--db', 'x.db'], "Unknown option '--db'"],
  ])('refuses %j with a message naming the argument and exit status 2', (args, message) => {
    expect(refusal(SERVER, { args })).toEqual([2, message, 'usage: node examples/sqlite/server.mjs [--file <file>]']);
  });
});

describe('examples/sqlite --file <file>', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etg-example-sqlite-'));
  const file = join(dir, 'tokens.db');
  const start = exampleStarter(SERVER);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the example on the file until its curl lines have answered, and returns the tokens it printed. */
  async function run(): Promise<string[]> {
    const { child, output } = await start({ args: ['--file', file] });
    expect(output).toContain(`Token hashes (never tokens) in ${file}\n`);
    await expectItemsApiAndRevocation(output);
    expect(await stopExample(child)).toBe(0);
    return printedTokens(output);
  }

  it('keeps the file, with the hashes of the tokens of its last run that were not revoked, and never a token', async () => {
    const first = await run();
    const [, expired, readOnly] = (await run()) as [string, string, string];
    const database = new Database(file, { readonly: true });
    const hashes = database.prepare('SELECT access_token_hash FROM demo_access_tokens').pluck().all();
    database.close();
    expect(new Set(hashes)).toEqual(new Set([hashToken(expired), hashToken(readOnly)]));
    const bytes = readFileSync(file).toString('latin1');
    expect([...first, expired, readOnly].filter((token) => bytes.includes(token))).toEqual([]);
  });
});
