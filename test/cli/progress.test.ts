import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../../src/core/hash.js';
import { startFakeAuthlete } from '../../src/testing/index.js';
import { CLI, HOUR, NOW, runCli, useTempDir } from './run-cli.js';

// The progress bar: on a terminal (a pseudo-terminal made by util-linux's `script`), standard error
// shows it, ending at 100%; through a pipe there is none, and not one escape sequence.

const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript && process.env['CI'] === 'true') throw new Error('the progress tests need `script` (util-linux) on PATH');
const describeTty = hasScript ? describe : describe.skip;
if (!hasScript) process.stderr.write('\n*** SKIPPING the progress bar tests: `script` (util-linux) is not on PATH ***\n\n');

const dir = useTempDir('etg-cli-progress-');
const COUNT = 5000;
const BAR = '█'.repeat(30);

beforeAll(() => {
  const records = Array.from({ length: COUNT }, (_, i) => JSON.stringify({ accessTokenHash: hashToken(`bar-${i}`), accessTokenExpiresAt: NOW + HOUR }));
  writeFileSync(join(dir(), 'tokens.jsonl'), `${records.join('\n')}\n`);
});

/** Runs a shell command line under a pseudo-terminal; resolves to what the terminal showed, escape sequences removed, a line per frame. */
async function onTerminal(command: string, env: Record<string, string> = {}): Promise<{ code: number | null; frames: string[]; raw: string }> {
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: dir(),
    env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm', EXPRESS_TOKEN_GUARD_NOW: String(NOW), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let raw = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  // Each frame starts with "cursor to column 1" (ESC [ 1 G); the others save and restore the cursor and clear the line.
  const frames = raw
    .replace(/\x1b\[1G/g, '\n')
    .replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '')
    .split(/\r\n|\r|\n/)
    .filter((frame) => frame !== '');
  return { code, frames, raw };
}

describeTty('the progress bar', () => {
  it('token import <file> on a terminal shows the bar by bytes read, ending at 100% with the count', async () => {
    const { code, frames, raw } = await onTerminal(`node ${CLI} token import tokens.jsonl --store sqlite:./tty-1.db`);
    expect(code).toBe(0);
    // Neither the cursor nor line wrapping is switched off: Ctrl-C leaves the terminal as it was.
    expect(raw).not.toMatch(/\x1b\[\?(25|7)[lh]/);
    expect(frames[0]).toBe(`Importing ${'░'.repeat(30)} 0% | 0 records | ETA 0s`);
    expect(frames.slice(-2)).toEqual([`Importing ${BAR} 100% | ${COUNT} records | ETA 0s`, `Imported ${COUNT} records.`]);
  });

  it('token import - on a terminal counts records: the size of standard input is unknown', async () => {
    const { code, frames } = await onTerminal(`cat tokens.jsonl | node ${CLI} token import - --store sqlite:./tty-2.db`);
    expect(code).toBe(0);
    expect(frames.slice(-2)).toEqual([`Importing ${COUNT} records`, `Imported ${COUNT} records.`]);
  });

  it('token sync authlete on a terminal shows the tokens copied of the total', async () => {
    const tokens = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`sync-${i}`, { accessTokenHash: hashToken(`sync-${i}`), accessTokenExpiresAt: NOW + HOUR }]));
    const fake = await startFakeAuthlete({ tokens });
    try {
      // token sync needs a store that exists: token create makes it.
      expect((await runCli(['token', 'create', '--ttl', '1h', '--store', 'sqlite:./tty-3.db'], { cwd: dir() })).code).toBe(0);
      const args = `token sync authlete --store sqlite:./tty-3.db --base-url ${fake.baseUrl} --service-id ${fake.serviceId}`;
      const { code, frames } = await onTerminal(`node ${CLI} ${args}`, { AUTHLETE_ACCESS_TOKEN: fake.accessToken });
      expect(code).toBe(0);
      expect(frames.slice(-2)).toEqual([`Copying ${BAR} 100% | 45 records | ETA 0s`, 'Copied 45 tokens from Authlete.']);
    } finally {
      await fake.close();
    }
  });

  it('through a pipe there is no bar, and no escape sequence', async () => {
    expect(await runCli(['token', 'import', 'tokens.jsonl', '--store', 'sqlite:./piped.db'], { cwd: dir() })).toEqual({
      code: 0,
      stdout: `Imported ${COUNT} records.\n`,
      stderr: '',
    });
  });
});
