import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reusablePort } from './free-port.js';

const INSTALL = 'apt-get install -y redis-server (Debian/Ubuntu) or brew install redis (macOS)';

/**
 * Whether the Redis tests can run: `redis-server` and `redis-cli` on PATH. Outside CI a missing
 * server skips them with one loud line; under CI=true it is a failure.
 */
export function redisAvailable(): boolean {
  const found = ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version']).status === 0);
  if (!found) {
    const message = `redis-server is not on PATH: the Redis store tests need it. Install it with: ${INSTALL}`;
    if (process.env['CI'] === 'true') throw new Error(message);
    process.stderr.write(`\n*** SKIPPING the Redis tests: ${message} ***\n\n`);
  }
  return found;
}

/** A redis-server of the tests' own, on 127.0.0.1, that can be stopped and started again on its port. */
export class RedisServer {
  #child: ChildProcess | undefined;
  readonly #dir = mkdtempSync(join(tmpdir(), 'etg-redis-'));

  private constructor(
    readonly port: number,
    readonly extraArgs: string[],
  ) {}

  static async start(extraArgs: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await reusablePort(), extraArgs);
    await server.startAgain();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on the same port, waiting until it accepts connections. */
  async startAgain(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.#dir, ...this.extraArgs];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    let output = '';
    child.stdout?.setEncoding('utf8');
    while (!output.includes('Ready to accept connections')) {
      const [chunk] = (await Promise.race([once(child.stdout as NodeJS.ReadableStream, 'data'), once(child, 'exit')])) as [unknown];
      if (typeof chunk !== 'string') throw new Error(`redis-server on port ${this.port} exited: ${output}`);
      output += chunk;
    }
    child.stdout?.resume();
  }

  /** Stops the server at once (SIGKILL: as a crash would), waiting until it is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  /** Stops the server and removes its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** Three cluster-enabled redis-servers joined into one cluster with no replicas. */
export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(): Promise<RedisCluster> {
    const nodes = await Promise.all(
      [0, 1, 2].map(() => RedisServer.start(['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'])),
    );
    const cluster = new RedisCluster(nodes);
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (create.status !== 0) {
      await cluster.stop();
      throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    }
    for (const node of nodes) await waitForClusterOk(node.port);
    return cluster;
  }

  get rootNodes(): Array<{ url: string }> {
    return this.nodes.map((node) => ({ url: node.url }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}

async function waitForClusterOk(port: number): Promise<void> {
  for (;;) {
    const info = spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout;
    if (info.includes('cluster_state:ok')) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
