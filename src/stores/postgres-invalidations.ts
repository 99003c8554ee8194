import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import { BusListeners, encodeInvalidation, type Invalidation, type InvalidationBus } from '../cache/invalidation-bus.js';
import type { PgPool, PgPoolClient } from './postgres.js';
import { checkStoreOptions } from './store-options.js';

/** A pool client that can LISTEN: node-postgres's `PoolClient`. */
export interface PgListenClient extends PgPoolClient {
  /** Hears a `NOTIFY` on a channel the connection listens to. */
  on(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  /** Hears the connection's errors. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Hears the connection end. */
  on(event: 'end', listener: () => void): unknown;
}

/** The part of a node-postgres `Pool` the bus uses; pass the `pg.Pool` itself. */
export interface PgListenPool extends PgPool {
  /** Checks a connection out of the pool. */
  connect(): Promise<PgListenClient>;
}

/** Options of {@link postgresInvalidations}. */
export interface PostgresInvalidationsOptions {
  /** A node-postgres `Pool`. The bus holds one of its connections for `LISTEN`, and never ends the pool. */
  pool: PgListenPool;
  /** The channel; the same as `PostgresTokenStore`'s `channel`. At most 63 bytes. Default `"token_guard_invalidations"`. */
  channel?: string;
  /** How long to wait before listening again after the connection was lost, in ms. Default 1000. */
  retryDelayMs?: number;
  /** Called with the errors of the listening connection (the bus retries by itself). Default: a process warning per outage. */
  onError?: (error: Error) => void;
}

/** The channel of `PostgresTokenStore`'s trigger and of {@link postgresInvalidations} unless told otherwise. */
export const DEFAULT_POSTGRES_CHANNEL = 'token_guard_invalidations';
const NAME = 'postgresInvalidations';
const OPTION_NAMES = ['pool', 'channel', 'retryDelayMs', 'onError'];
// NAMEDATALEN - 1: PostgreSQL cuts longer channel names, and then LISTEN and NOTIFY would disagree.
const MAX_CHANNEL_BYTES = 63;

/** Checks a channel name: a non-empty string of at most 63 bytes. */
export function checkChannel(what: string, channel: unknown): string {
  if (typeof channel !== 'string') throw invalidArgType(`${what}: options.channel must be a string`);
  if (channel === '' || Buffer.byteLength(channel) > MAX_CHANNEL_BYTES || channel.includes('\0')) {
    throw invalidArgValue(`${what}: options.channel must be 1 to ${MAX_CHANNEL_BYTES} bytes, without NUL`);
  }
  return channel;
}

/**
 * An invalidation bus over PostgreSQL `LISTEN`/`NOTIFY`, for `cachedStore`: every instance that
 * shares the database hears what changed in the token table, whoever changed it, through the trigger
 * `PostgresTokenStore.migrate()` installs. It holds one connection of `pool` for `LISTEN` (size the
 * pool for it) and publishes with `pg_notify` through the pool.
 *
 * The bus is connected once `LISTEN` has returned. When that connection fails or ends, listening
 * caches are flushed and bypassed until the bus listens again (after `retryDelayMs`, over and over).
 * A connection lost without a word (a network cut) is only noticed when TCP notices it: give the pool
 * `keepAlive: true`.
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, keepAlive: true });
 * pool.on('error', (error) => console.error('postgres:', error.message));
 * const tokens = new PostgresTokenStore({ pool });
 * await tokens.migrate();
 * const store = cachedStore(tokens, { invalidations: postgresInvalidations({ pool }) });
 */
export function postgresInvalidations(options: PostgresInvalidationsOptions): InvalidationBus {
  const { pool, channel = DEFAULT_POSTGRES_CHANNEL, retryDelayMs = 1000, onError } = checkStoreOptions(
    NAME,
    options,
    OPTION_NAMES,
    '{ pool }',
  );
  if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
    throw invalidArgType(`${NAME}: options.pool must be a node-postgres Pool`);
  }
  if (typeof retryDelayMs !== 'number') throw invalidArgType(`${NAME}: options.retryDelayMs must be a number`);
  if (!(retryDelayMs >= 1 && retryDelayMs <= 2 ** 31 - 1)) {
    throw invalidArgValue(`${NAME}: options.retryDelayMs must be a number of ms from 1 to 2^31-1`);
  }
  return new PostgresInvalidations(pool, checkChannel(NAME, channel), retryDelayMs, onError);
}

class PostgresInvalidations implements InvalidationBus {
  readonly #listeners = new BusListeners();
  readonly #pool: PgListenPool;
  readonly #channel: string;
  readonly #retryDelayMs: number;
  readonly #onError: (error: Error) => void;
  #client: PgListenClient | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reported = false;
  #closed = false;

  constructor(pool: PgListenPool, channel: string, retryDelayMs: number, onError: (error: Error) => void) {
    this.#pool = pool;
    this.#channel = channel;
    this.#retryDelayMs = retryDelayMs;
    this.#onError = onError;
    void this.#listen();
  }

  get connected(): boolean {
    return this.#listeners.connected;
  }

  subscribe: InvalidationBus['subscribe'] = (listener) => this.#listeners.subscribe(listener);

  async publish(invalidation: Invalidation): Promise<void> {
    await this.#pool.query({ text: 'SELECT pg_notify($1, $2)', values: [this.#channel, encodeInvalidation(invalidation)] });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#listeners.setConnected(false);
    this.#drop();
  }

  async #listen(): Promise<void> {
    let client: PgListenClient | undefined;
    try {
      client = await this.#pool.connect();
      if (this.#closed) {
        client.release();
        return;
      }
      this.#client = client;
      const lost = (error?: Error): void => this.#lost(client as PgListenClient, error);
      client.on('error', lost);
      client.on('end', () => lost());
      client.on('notification', ({ channel, payload }) => {
        if (channel === this.#channel && this.#client === client) this.#listeners.deliver(payload ?? '');
      });
      await client.query({ text: `LISTEN "${this.#channel.replace(/"/g, '""')}"` });
      if (this.#client !== client) return;
      this.#reported = false;
      this.#listeners.setConnected(true);
    } catch (error) {
      if (client === undefined || this.#client === client) this.#lost(client, error instanceof Error ? error : new Error(String(error)));
    }
  }

  #lost(client: PgListenClient | undefined, error: Error | undefined): void {
    if (client !== undefined && this.#client !== client) return;
    this.#listeners.setConnected(false);
    this.#drop();
    if (this.#closed) return;
    if (error !== undefined && !this.#reported) {
      this.#reported = true;
      this.#onError(error);
    }
    this.#timer = setTimeout(() => void this.#listen(), this.#retryDelayMs);
    this.#timer.unref();
  }

  /** Gives the listening connection back to the pool, destroyed: it may be broken, and LISTEN ends with it. */
  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    try {
      client?.release(true);
    } catch {
      // Released already: node-postgres throws on a second release.
    }
  }
}
