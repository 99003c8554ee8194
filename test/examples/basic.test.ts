import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken } from '../../src/index.js';
import { CURL, startExample } from '../helpers/example-process.js';
import { REFUSED, answerCurlLines, exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';

const SERVER = join(__dirname, '../../examples/basic/server.mjs');

describe('examples/basic (npm start)', () => {
  const example = exampleUnderTest(SERVER);

  it('prints four ready-to-paste curl lines whose outcomes are what they say', async () => {
    expect(await answerCurlLines(example.output)).toEqual([
      ['A valid token', 200, 200, null, expect.anything()],
      ['An expired token', 401, 401, ...REFUSED.invalidToken],
      ['A token without the items:read scope', 403, 403, ...REFUSED.insufficientScope('items:read')],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('serves the documented JSON, without hidden properties', async () => {
    const [valid] = [...example.output.matchAll(CURL)];
    const [, , , header, url] = valid as RegExpMatchArray;
    const res = await fetch(url as string, { headers: { Authorization: (header as string).slice('Authorization: '.length) } });
    expect(await res.json()).toEqual({ subject: 'alice', tenant: 'acme', items: [{ id: 1, name: 'first item' }] });
  });

  it('lets a token with items:write create an item', async () => {
    const [valid] = [...example.output.matchAll(CURL)];
    const [, , , header, url] = valid as RegExpMatchArray;
    const res = await fetch(url as string, {
      method: 'POST',
      headers: { Authorization: (header as string).slice('Authorization: '.length), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'second' }),
    });
    expect([res.status, await res.json()]).toEqual([201, { id: 2, name: 'second' }]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });

  it('refuses a bad PORT with a message naming it and a non-zero exit', () => {
    expect(refusal(SERVER, { env: { PORT: 'eighty' } })).toEqual([2, 'PORT must be a port number from 0 to 65535, not "eighty"']);
  });

  it.each([
    [['--store', 'redis'], '--store must be "memory" or "sqlite:<file>", not "redis"'],
    [['--stor', 'memory'], "Unknown option '--stor'"],
    [['--store', 'sqlite:/nonexistent-dir/x.db'], '--store sqlite:/nonexistent-dir/x.db: Cannot open database because the directory does not exist'],
  ])('refuses %j with a message naming the argument and a non-zero exit', (args, message) => {
    const [status, first] = refusal(SERVER, { args });
    expect([status, first]).toEqual([2, message]);
  });
});

describe('examples/basic --store sqlite:<file>', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etg-example-'));
  const file = join(dir, 'tokens.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts the example on the file, checks that its curl lines answer as they say, stops it, and returns the tokens it printed. */
  async function run(): Promise<string[]> {
    const { child, output } = await startExample(SERVER, { args: ['--store', `sqlite:${file}`] });
    try {
      const answers = await answerCurlLines(output);
      expect(answers.map(([, promised, status]) => [promised, status])).toEqual([[200, 200], [401, 401], [403, 403], [401, 401]]);
      return [...output.matchAll(/Bearer (\S+)'/g)].map((match) => match[1] as string);
    } finally {
      await stopExample(child);
    }
  }

  it('seeds the file and serves the same four outcomes, twice in a row, keeping hashes and never tokens', async () => {
    const first = await run();
    const second = await run();
    const bytes = readFileSync(file).toString('latin1');
    for (const token of [...first, ...second]) expect(bytes).not.toContain(token);
    expect(bytes).toContain(hashToken(second[0] as string));
  });
});
