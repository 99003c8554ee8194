import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The tests run the CLI as a user does: the built file (`npm test` builds dist first), in a child process.
// A case runs it several times, at a few hundred ms each.
jest.setTimeout(60_000);

/** The built CLI: what the package's `bin` points at. */
export const CLI = join(__dirname, '../../dist/cjs/cli/main.js');

/** The CLI's clock in these tests (EXPRESS_TOKEN_GUARD_NOW): a whole second close to the real time, so Redis keeps what is valid. */
export const NOW = Math.floor(Date.now() / 1000) * 1000;
export const HOUR = 3_600_000;

/** An ISO 8601 time `ms` from NOW, as the CLI prints it. */
export const iso = (ms: number): string => new Date(NOW + ms).toISOString();

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to a bare environment (PATH and the clock only). */
  env?: Record<string, string>;
  /** Written to standard input, which is then closed. */
  input?: string | Buffer;
  /** Another copy of the built CLI. Default {@link CLI}. */
  cli?: string;
}

/** Runs `node dist/cjs/cli/main.js ...args` and resolves to its exit status and output. */
export async function runCli(args: readonly string[], { cwd, env = {}, input, cli = CLI }: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', EXPRESS_TOKEN_GUARD_NOW: String(NOW), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** What a bad argument prints: the message, and where the usage is. */
export function usage(command: string, message: string): CliResult {
  const help = command === '' ? 'express-token-guard --help' : `express-token-guard token ${command} --help`;
  const where = command === '' ? 'express-token-guard' : `express-token-guard token ${command}`;
  return { code: 2, stdout: '', stderr: `${where}: ${message}\nRun "${help}" for usage.\n` };
}

/** What a failed operation prints: one line. */
export function failure(command: string, message: string): CliResult {
  return { code: 1, stdout: '', stderr: `express-token-guard token ${command}: ${message}\n` };
}

/** A directory of the test file's own, removed after its tests. */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => dir as string;
}
