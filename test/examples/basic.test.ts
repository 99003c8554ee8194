import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken } from '../../src/index.js';
import { CURL, startExample } from '../helpers/example-process.js';

const SERVER = join(__dirname, '../../examples/basic/server.mjs');
/** Starts the example and waits for its curl lines. */
const start = (args: string[] = []) => startExample(SERVER, { args });

describe('examples/basic (npm start)', () => {
  let child: ChildProcessWithoutNullStreams;
  let output: string;

  beforeAll(async () => {
    ({ child, output } = await start());
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('prints four ready-to-paste curl lines whose outcomes are what they say', async () => {
    const lines = [...output.matchAll(CURL)];
    expect(lines.map((m) => [m[1], m[2]])).toEqual([
      ['A valid token', '200'],
      ['An expired token', '401'],
      ['A token without the items:read scope', '403'],
      ['No token', '401'],
    ]);
    for (const [, , status, header, url] of lines) {
      const headers: Record<string, string> = {};
      if (header !== undefined) {
        const [name, value] = header.split(': ') as [string, string];
        headers[name] = value;
      }
      const res = await fetch(url as string, { headers });
      expect(res.status).toBe(Number(status));
      if (res.status !== 200) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="example"/);
    }
  });

  it('serves the documented JSON, without hidden properties', async () => {
    const [valid] = [...output.matchAll(CURL)];
    const [, , , header, url] = valid as RegExpMatchArray;
    const res = await fetch(url as string, { headers: { Authorization: (header as string).slice('Authorization: '.length) } });
    expect(await res.json()).toEqual({ subject: 'alice', tenant: 'acme', items: [{ id: 1, name: 'first item' }] });
  });

  it('lets a token with items:write create an item', async () => {
    const [valid] = [...output.matchAll(CURL)];
    const [, , , header, url] = valid as RegExpMatchArray;
    const res = await fetch(url as string, {
      method: 'POST',
      headers: { Authorization: (header as string).slice('Authorization: '.length), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'second' }),
    });
    expect([res.status, await res.json()]).toEqual([201, { id: 2, name: 'second' }]);
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses a bad PORT with a message naming it and a non-zero exit', () => {
    const run = spawnSync(process.execPath, [SERVER], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
    expect([run.status, run.stderr.trim()]).toEqual([2, 'PORT must be a port number from 0 to 65535, not "eighty"']);
  });

  it.each([
    [['--store', 'redis'], '--store must be "memory" or "sqlite:<file>", not "redis"'],
    [['--stor', 'memory'], "Unknown option '--stor'"],
    [['--store', 'sqlite:/nonexistent-dir/x.db'], '--store sqlite:/nonexistent-dir/x.db: Cannot open database because the directory does not exist'],
  ])('refuses %j with a message naming the argument and a non-zero exit', (args, message) => {
    const run = spawnSync(process.execPath, [SERVER, ...args], { env: { ...process.env, PORT: '0' }, encoding: 'utf8' });
    expect([run.status, run.stderr.split('\n')[0]]).toEqual([2, message]);
  });
});

describe('examples/basic --store sqlite:<file>', () => {
  const dir = mkdtempSync(join(tmpdir(), 'etg-example-'));
  const file = join(dir, 'tokens.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(): Promise<RegExpMatchArray[]> {
    const { child, output } = await start(['--store', `sqlite:${file}`]);
    try {
      const lines = [...output.matchAll(CURL)];
      for (const [, , status, header, url] of lines) {
        const res = await fetch(url as string, { headers: header === undefined ? {} : { Authorization: header.slice('Authorization: '.length) } });
        expect(res.status).toBe(Number(status));
      }
      return lines;
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }

  it('seeds the file and serves the same four outcomes, twice in a row, keeping hashes and never tokens', async () => {
    const first = await run();
    const second = await run();
    expect(second.map((m) => m[2])).toEqual(['200', '401', '403', '401']);
    const bytes = readFileSync(file).toString('latin1');
    for (const line of [...first, ...second]) {
      const token = /Bearer (\S+)'/.exec(line[0])?.[1];
      if (token === undefined) continue;
      expect(bytes).not.toContain(token);
    }
    const valid = /Bearer (\S+)'/.exec(second[0]?.[0] ?? '')?.[1] as string;
    expect(bytes).toContain(hashToken(valid));
  });
});
