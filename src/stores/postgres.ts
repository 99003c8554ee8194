import { invalidArgType } from '../core/arg-errors.js';
import { checkRecord, type AccessToken } from '../core/record.js';
import type { ListableTokenStore, TokenListPage, TokenListQuery, WritableTokenStore } from '../core/store.js';
import { checkClientId, checkHash, checkNow, checkRecords, checkSubject } from '../core/store-arguments.js';
import type { OnStoreError } from './corrupt-record.js';
import { checkListQuery } from './list-query.js';
import { COLUMNS, INTEGER_FIELDS, expiredCondition, listPage, listStatement, quoteTable, readRow, type ColumnDecoders } from './sql-columns.js';
import { DEFAULT_POSTGRES_CHANNEL, checkChannel } from './postgres-invalidations.js';
import { checkStoreOptions } from './store-options.js';
import { checkTimeout, withTimeout } from './timeout.js';

/** A query as node-postgres (`pg`) takes it; `name` makes it a prepared statement. */
export interface PgQuery {
  /** The prepared statement's name, when it is one. */
  name?: string;
  /** The SQL, with `$1`, `$2`… for the values. */
  text: string;
  /** The values of the parameters. */
  values?: unknown[];
}

/** What node-postgres answers to a query. */
export interface PgResult {
  /** The rows, keyed by column. */
  rows: Array<Record<string, unknown>>;
  /** How many rows the statement touched. */
  rowCount: number | null;
}

/** A client checked out of a pool. */
export interface PgPoolClient {
  /** Runs a query on this connection. */
  query(query: PgQuery): Promise<PgResult>;
  /** Gives the connection back to the pool (or, with an error, closes it). */
  release(error?: Error | boolean): void;
}

/** The part of a node-postgres `Pool` the store uses; pass the `pg.Pool` itself. */
export interface PgPool {
  /** Runs a query on any connection of the pool. */
  query(query: PgQuery): Promise<PgResult>;
  /** Checks a connection out of the pool, for a transaction. */
  connect(): Promise<PgPoolClient>;
}

/** Options of {@link PostgresTokenStore}. */
export interface PostgresTokenStoreOptions {
  /** A node-postgres `Pool` the application created. The store never ends it. */
  pool: PgPool;
  /** The table, `name` or `schema.name`: letters, digits and `_`. Default `access_tokens`. */
  table?: string;
  /** How long a lookup may take before the guard answers 503, in ms. Default 1000. Writes are not bounded. */
  timeoutMs?: number;
  /** Called with a `CorruptRecordError` for a row that cannot be read. Default: a process warning. */
  onError?: OnStoreError;
  /**
   * The channel the table's trigger (installed by `migrate()`) `NOTIFY`s on every change, for the
   * caches of every instance (see `postgresInvalidations`, which must listen on the same one). At most
   * 63 bytes. Default `"token_guard_invalidations"`.
   */
  channel?: string;
}

const NAME = 'PostgresTokenStore';
const OPTION_NAMES = ['pool', 'table', 'timeoutMs', 'onError', 'channel'];
// 1: the twelve AccessToken fields. 2: cnf, acr, auth_time, audience (token binding, step-up, audience).
const SCHEMA_VERSION = 2;
const UNDEFINED_TABLE = '42P01';
const UNDEFINED_COLUMN = '42703';
const NOTIFY_FUNCTION_NAME = 'token_guard_notify';
const TRIGGERS = ['token_guard_notify', 'token_guard_notify_truncate'] as const;

// One function for every table in a schema; the channel is the trigger's argument.
const notifyFunction = (name: string): string => `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify(TG_ARGV[0], '*');
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM pg_notify(TG_ARGV[0], 'h:' || NEW.access_token_hash);
  ELSE
    PERFORM pg_notify(TG_ARGV[0], 'h:' || OLD.access_token_hash);
    IF TG_OP = 'UPDATE' AND NEW.access_token_hash IS DISTINCT FROM OLD.access_token_hash THEN
      PERFORM pg_notify(TG_ARGV[0], 'h:' || NEW.access_token_hash);
    END IF;
  END IF;
  RETURN NULL;
END
$fn$`;

const decode: ColumnDecoders = {
  array: (value) => value,
  // bigint columns arrive as strings; anything beyond 2^53-1 then fails the record's integer check.
  integer: (value) => (typeof value === 'string' ? Number(value) : value),
};

const COLUMN_TYPES: Partial<Record<keyof AccessToken, string>> = {
  accessTokenHash: 'text PRIMARY KEY',
  scopes: 'text[]',
  refreshTokenScopes: 'text[]',
  properties: 'jsonb',
  cnf: 'jsonb',
  audience: 'text[]',
};

/**
 * Keeps records in a PostgreSQL table through node-postgres: the store for several instances of
 * an API. Typed columns (times and client id as `bigint` ms, scopes as `text[]`, properties as
 * `jsonb`), primary key `access_token_hash`, indexes on subject, client id and expiry.
 *
 * Call `await store.migrate()` once at start-up: it creates or upgrades the table, and is safe when
 * several instances run it at once. The store never migrates by itself: a lookup on a database
 * where `migrate()` never ran fails with an error saying so, and the guard answers 503.
 *
 * Lookups give up after `timeoutMs`: a database that is down or hangs makes the guard answer 503,
 * and the pool connects again when it is back. Give the pool an `error` listener (node-postgres
 * emits one when the server drops idle connections) and a `connectionTimeoutMillis`.
 *
 * @example
 * import pg from 'pg';
 * import { PostgresTokenStore } from 'express-token-guard/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 2000 });
 * pool.on('error', (error) => console.error('postgres:', error.message));
 * const store = new PostgresTokenStore({ pool });
 * await store.migrate();
 */
export class PostgresTokenStore implements WritableTokenStore, ListableTokenStore {
  readonly #pool: PgPool;
  readonly #table: string;
  readonly #quoted: string;
  readonly #timeoutMs: number;
  readonly #onError: OnStoreError;
  readonly #find: PgQuery;
  readonly #upsert: string;
  readonly #channel: string;

  constructor(options: PostgresTokenStoreOptions) {
    const { pool, table = 'access_tokens', timeoutMs, onError, channel = DEFAULT_POSTGRES_CHANNEL } = checkStoreOptions(
      NAME,
      options,
      OPTION_NAMES,
      '{ pool }',
    );
    if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
      throw invalidArgType(`${NAME}: options.pool must be a node-postgres Pool`);
    }
    this.#pool = pool;
    this.#table = table;
    this.#quoted = quoteTable(NAME, table, { schema: true });
    this.#timeoutMs = checkTimeout(NAME, timeoutMs);
    this.#onError = onError;
    this.#channel = checkChannel(NAME, channel);
    const names = COLUMNS.map(([, column]) => column);
    this.#find = {
      name: `express-token-guard:find:${table}`,
      text: `SELECT ${names.join(', ')} FROM ${this.#quoted} WHERE access_token_hash = $1`,
    };
    this.#upsert =
      `INSERT INTO ${this.#quoted} (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) ` +
      `ON CONFLICT (access_token_hash) DO UPDATE SET ${names.slice(1).map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
  }

  /**
   * Creates the table and its indexes, or brings an older schema up to date, and makes sure the
   * table's invalidation trigger notifies `channel`: on every INSERT, UPDATE and DELETE it sends the
   * row's `h:<hash>` (both hashes when an UPDATE changes it), on TRUNCATE `*`, so a change made by any
   * tool (`psql`, the authorization server's own jobs) reaches every cache listening through
   * `postgresInvalidations`. Does nothing when all is current. Holds a transaction-scoped advisory
   * lock, so instances that start together migrate one after the other. The schema version is kept
   * in the table's comment.
   */
  async migrate(): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query({ text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', values: [`express-token-guard:${this.#table}`] });
      const { rows } = await client.query({
        text: 'SELECT obj_description(to_regclass($1), $2) AS comment',
        values: [this.#quoted, 'pg_class'],
      });
      const version = Number(/schema (\d+)$/.exec(String(rows[0]?.['comment'] ?? ''))?.[1] ?? 0);
      if (version > SCHEMA_VERSION) {
        throw new Error(`${NAME}: table ${this.#quoted} has schema ${version}, newer than this version of the package knows (${SCHEMA_VERSION})`);
      }
      if (version < SCHEMA_VERSION) {
        for (const statement of this.#schema()) await client.query({ text: statement });
        await client.query({ text: `COMMENT ON TABLE ${this.#quoted} IS 'express-token-guard access tokens, schema ${SCHEMA_VERSION}'` });
      }
      await this.#installTrigger(client);
    });
  }

  /** The record stored under `hash`, or `undefined`; rejects after `timeoutMs` without an answer. */
  async findByAccessTokenHash(hash: string): Promise<AccessToken | undefined> {
    const { rows } = await withTimeout(this.#query({ ...this.#find, values: [hash] }), this.#timeoutMs, NAME);
    return readRow(NAME, hash, rows[0], decode, this.#onError);
  }

  /** Stores a record, replacing any with the same `accessTokenHash`. */
  async save(record: AccessToken): Promise<void> {
    await this.#query({ text: this.#upsert, values: toValues(checkRecord(record, `${NAME}.save: record`)) });
  }

  /** Stores several records in one transaction; when one is refused, none is stored. */
  async saveMany(records: readonly AccessToken[]): Promise<void> {
    const checked = checkRecords(`${NAME}.saveMany`, records);
    if (checked.length === 0) return;
    await this.#transaction(async (client) => {
      for (const record of checked) await client.query({ text: this.#upsert, values: toValues(record) });
    });
  }

  /** Deletes one token; resolves to whether there was one. */
  async deleteByAccessTokenHash(hash: string): Promise<boolean> {
    const where = checkHash(`${NAME}.deleteByAccessTokenHash`, hash);
    return (await this.#delete('access_token_hash = $1', [where])) > 0;
  }

  /** Deletes every token of `subject`; resolves to how many. */
  async deleteBySubject(subject: string): Promise<number> {
    return this.#delete('subject = $1', [checkSubject(`${NAME}.deleteBySubject`, subject)]);
  }

  /** Deletes every token of `clientId`; resolves to how many. */
  async deleteByClientId(clientId: number): Promise<number> {
    return this.#delete('client_id = $1', [checkClientId(`${NAME}.deleteByClientId`, clientId)]);
  }

  /**
   * Deletes every record whose access token has expired at `now` (default: the current time), those
   * without an expiry included; resolves to how many. Run it from a timer or a cron job of your own.
   */
  async deleteExpired(now?: number): Promise<number> {
    const at = checkNow(`${NAME}.deleteExpired`, now);
    return this.#delete(expiredCondition('$1'), [at]);
  }

  /**
   * One page of the records that match `query`, in the order of their `accessTokenHash` under the
   * column's collation (keyset paging on the primary key); see `ListableTokenStore`. A corrupt row
   * goes to `onError` and is left out. Not bounded by `timeoutMs`.
   */
  async list(query?: TokenListQuery): Promise<TokenListPage> {
    const checked = checkListQuery(`${NAME}.list`, query);
    const { rows } = await this.#query(listStatement(this.#quoted, checked, (n) => `$${n}`));
    return listPage(NAME, rows, checked.limit, decode, this.#onError);
  }

  async #transaction(work: (client: PgPoolClient) => Promise<void>): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query({ text: 'BEGIN' });
      await work(client);
      await client.query({ text: 'COMMIT' });
    } catch (error) {
      await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
      throw this.#explain(error);
    } finally {
      client.release();
    }
  }

  async #delete(where: string, values: unknown[]): Promise<number> {
    return (await this.#query({ text: `DELETE FROM ${this.#quoted} WHERE ${where}`, values })).rowCount ?? 0;
  }

  async #query(query: PgQuery): Promise<PgResult> {
    try {
      return await this.#pool.query(query);
    } catch (error) {
      throw this.#explain(error);
    }
  }

  /** Says what to do when the table is missing or not one this store made. */
  #explain(error: unknown): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === UNDEFINED_TABLE) {
      return new Error(`${NAME}: table ${this.#quoted} does not exist; call await store.migrate() first`, { cause: error });
    }
    if (code === UNDEFINED_COLUMN) {
      return new Error(`${NAME}: table ${this.#quoted} is not one this store made, or needs await store.migrate()`, { cause: error });
    }
    return error;
  }

  /** (Re)creates the notify triggers when they are missing or notify another channel. */
  async #installTrigger(client: PgPoolClient): Promise<void> {
    const { rows } = await client.query({
      text: 'SELECT tgname, tgargs FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname IN ($2, $3)',
      values: [this.#quoted, ...TRIGGERS],
    });
    const current = rows.filter((row) => Buffer.isBuffer(row['tgargs']) && row['tgargs'].toString('utf8') === `${this.#channel}\0`);
    if (current.length === TRIGGERS.length) return;
    const notify = [...this.#table.split('.').slice(0, -1), NOTIFY_FUNCTION_NAME].map((part) => `"${part}"`).join('.');
    const channel = `'${this.#channel.replace(/'/g, "''")}'`;
    await client.query({ text: notifyFunction(notify) });
    for (const trigger of TRIGGERS) await client.query({ text: `DROP TRIGGER IF EXISTS "${trigger}" ON ${this.#quoted}` });
    await client.query({
      text: `CREATE TRIGGER "${TRIGGERS[0]}" AFTER INSERT OR UPDATE OR DELETE ON ${this.#quoted} FOR EACH ROW EXECUTE FUNCTION ${notify}(${channel})`,
    });
    await client.query({
      text: `CREATE TRIGGER "${TRIGGERS[1]}" AFTER TRUNCATE ON ${this.#quoted} FOR EACH STATEMENT EXECUTE FUNCTION ${notify}(${channel})`,
    });
  }

  #schema(): string[] {
    const bare = this.#table.split('.').pop() as string;
    const columns = COLUMNS.map(([field, column]) => `${column} ${COLUMN_TYPES[field] ?? (INTEGER_FIELDS.has(field) ? 'bigint' : 'text')}`);
    return [
      `CREATE TABLE IF NOT EXISTS ${this.#quoted} (${columns.join(', ')})`,
      // A schema-1 table gains the columns added since; its rows stay as they are.
      ...columns.slice(1).map((column) => `ALTER TABLE ${this.#quoted} ADD COLUMN IF NOT EXISTS ${column}`),
      `CREATE INDEX IF NOT EXISTS "${bare}_subject_idx" ON ${this.#quoted} (subject)`,
      `CREATE INDEX IF NOT EXISTS "${bare}_client_id_idx" ON ${this.#quoted} (client_id)`,
      `CREATE INDEX IF NOT EXISTS "${bare}_access_token_expires_at_idx" ON ${this.#quoted} (access_token_expires_at)`,
    ];
  }
}

function toValues(record: AccessToken): unknown[] {
  return COLUMNS.map(([field]) => {
    const value = record[field];
    if (value === undefined) return null;
    // node-postgres sends a JS array as a PostgreSQL array: right for text[], wrong for jsonb.
    return field === 'properties' || field === 'cnf' ? JSON.stringify(value) : value;
  });
}

export {
  DEFAULT_POSTGRES_CHANNEL,
  postgresInvalidations,
  type PgListenClient,
  type PgListenPool,
  type PostgresInvalidationsOptions,
} from './postgres-invalidations.js';
