import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ListableTokenStore, WritableTokenStore } from '../core/store.js';
import { MemoryTokenStore } from '../stores/memory.js';
import { PostgresTokenStore, type PgPool } from '../stores/postgres.js';
import { RedisTokenStore, type RedisClientLike } from '../stores/redis.js';
import { SqliteTokenStore, type SqliteDatabase } from '../stores/sqlite.js';
import { CommandError, UsageError, reason } from './errors.js';

/** Where `--store` points. */
export type StoreSpec =
  | { kind: 'memory' }
  | { kind: 'sqlite'; file: string }
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string };

/** A store the CLI works with: writable, maybe listable, maybe with `deleteExpired`. */
export type CliStore = WritableTokenStore & Partial<ListableTokenStore> & { deleteExpired?(now?: number): Promise<number> };

/** An opened store, what to call it in messages (no password), and how to let it go. */
export interface OpenedStore {
  store: CliStore;
  kind: StoreSpec['kind'];
  name: string;
  close(): Promise<void>;
}

/** Opens a store; `create`: the command may create the SQLite file. `cwd` resolves a relative file. */
export type OpenStore = (spec: StoreSpec, options: { create: boolean; cwd: string }) => Promise<OpenedStore>;

export const DEFAULT_STORE = 'sqlite:./tokens.db';
const FORMS = 'memory, sqlite:<file>, redis://host:port[/db] or postgres://…';
// How long a server may take to accept a connection before the CLI gives up.
const CONNECT_TIMEOUT_MS = 5000;

/** Reads a `--store` value. */
export function parseStoreSpec(value: string): StoreSpec {
  if (value === 'memory') return { kind: 'memory' };
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length);
    if (file === '') throw new UsageError(`--store sqlite: needs a file, e.g. sqlite:./tokens.db`);
    return { kind: 'sqlite', file };
  }
  const scheme = /^([a-z]+):\/\//.exec(value)?.[1];
  if (scheme === 'redis' || scheme === 'rediss' || scheme === 'postgres' || scheme === 'postgresql') {
    if (!URL.canParse(value)) throw new UsageError(`--store must be a URL such as ${scheme}://host:port`);
    return { kind: scheme.startsWith('redis') ? 'redis' : 'postgres', url: value };
  }
  throw new UsageError(`--store must be ${FORMS}`);
}

/** The store's URL or file as messages show it: a password becomes `***`. */
export function storeName(spec: StoreSpec): string {
  if (spec.kind === 'memory') return 'memory';
  if (spec.kind === 'sqlite') return `sqlite:${spec.file}`;
  const url = new URL(spec.url);
  if (url.password !== '') url.password = '***';
  return url.href;
}

/** Opens the store that `--store` names, loading its driver from the application's packages. */
export const openStore: OpenStore = async (spec, { create, cwd }) => {
  const name = storeName(spec);
  switch (spec.kind) {
    case 'memory':
      return { store: new MemoryTokenStore(), kind: spec.kind, name, close: async () => undefined };
    case 'sqlite':
      return openSqlite(resolve(cwd, spec.file), name, create);
    case 'redis':
      return openRedis(spec.url, name);
    case 'postgres':
      return openPostgres(spec.url, name);
  }
};

async function openSqlite(file: string, name: string, create: boolean): Promise<OpenedStore> {
  if (!create && !existsSync(file)) {
    throw new CommandError(`no SQLite database at ${name} (only token create and token import make one; see --store)`);
  }
  const Database = await load<new (file: string, options: { fileMustExist: boolean }) => SqliteDatabase & { close(): void }>(
    'better-sqlite3',
    'better-sqlite3@12',
    name,
  );
  let database: SqliteDatabase & { close(): void };
  try {
    database = new Database(file, { fileMustExist: !create });
  } catch (error) {
    throw new CommandError(`cannot open ${name}: ${reason(error)}`);
  }
  try {
    return { store: new SqliteTokenStore({ database }), kind: 'sqlite', name, close: async () => database.close() };
  } catch (error) {
    database.close();
    throw new CommandError(`cannot use ${name}: ${reason(error)}`);
  }
}

interface RedisClient extends RedisClientLike {
  on(event: 'error', listener: (error: Error) => void): unknown;
  connect(): Promise<unknown>;
  destroy(): void;
  close?(): Promise<void>;
  quit(): Promise<unknown>;
}

async function openRedis(url: string, name: string): Promise<OpenedStore> {
  const { createClient } = await load<{ createClient(options: object): RedisClient }>('redis', 'redis', name);
  // No reconnecting: an unreachable server is an error now, not a wait without end.
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: CONNECT_TIMEOUT_MS } });
  client.on('error', () => undefined);
  // connectTimeout bounds the TCP connection only: a server that accepts and never answers is bounded here.
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([client.connect(), silence]);
  } catch (error) {
    client.destroy();
    throw unusable('Redis', name, error);
  } finally {
    clearTimeout(timer);
  }
  const close = async (): Promise<void> => {
    await (client.close?.() ?? client.quit()).catch(() => client.destroy());
  };
  return { store: new RedisTokenStore({ client }), kind: 'redis', name, close };
}

interface Pool extends PgPool {
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
}


async function openPostgres(url: string, name: string): Promise<OpenedStore> {
  const pg = await load<{ Pool: new (config: object) => Pool }>('pg', 'pg', name);
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, max: 2 });
  pool.on('error', () => undefined);
  const store = new PostgresTokenStore({ pool });
  try {
    await store.migrate();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unusable('PostgreSQL', name, error);
  }
  return { store, kind: 'postgres', name, close: () => pool.end() };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** A server that could not be reached (no connection, no answer), or that refused what the CLI asked. */
function unusable(server: string, name: string, error: unknown): CommandError {
  const code = String((error as { code?: unknown } | null)?.code ?? (error as AggregateError | null)?.errors?.[0]?.code ?? '');
  const unreachable = UNREACHABLE.has(code) || /no answer|timeout|terminated|closed unexpectedly/i.test(reason(error));
  return new CommandError(`cannot ${unreachable ? 'reach' : 'use'} ${server} at ${name}: ${reason(error)}`);
}

/** Loads a driver the application installed; a missing one is a message naming the package to install. */
async function load<T>(module: string, install: string, name: string): Promise<T> {
  let loaded: { default?: unknown };
  try {
    loaded = (await import(module)) as { default?: unknown };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if ((code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && reason(error).includes(`'${module}'`)) {
      throw new CommandError(`--store ${name} needs the package ${module}: npm install ${install}`);
    }
    throw new CommandError(`cannot load ${module} for --store ${name}: ${reason(error)}`);
  }
  return (module === 'better-sqlite3' ? (loaded.default ?? loaded) : loaded) as T;
}
