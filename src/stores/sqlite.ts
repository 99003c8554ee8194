import { invalidArgType } from '../core/arg-errors.js';
import { checkRecord, type AccessToken } from '../core/record.js';
import type { ListableTokenStore, TokenListPage, TokenListQuery, WritableTokenStore } from '../core/store.js';
import { checkClientId, checkHash, checkNow, checkRecords, checkSubject } from '../core/store-arguments.js';
import type { OnStoreError } from './corrupt-record.js';
import { checkListQuery } from './list-query.js';
import {
  ARRAY_FIELDS,
  COLUMNS,
  INTEGER_FIELDS,
  expiredCondition,
  listPage,
  listStatement,
  quoteTable,
  readRow,
  type ColumnDecoders,
} from './sql-columns.js';
import { checkStoreOptions } from './store-options.js';

/** The part of a better-sqlite3 `Statement` the store uses. */
export interface SqliteStatement {
  /** Runs it; `changes`: how many rows it changed. */
  run(...params: unknown[]): {
    /** How many rows the statement changed. */
    changes: number;
  };
  /** The first row it selects, or `undefined`. */
  get(...params: unknown[]): unknown;
  /** Every row it selects. */
  all(...params: unknown[]): unknown[];
}

/** The part of a better-sqlite3 `Database` the store uses; pass the `Database` itself. */
export interface SqliteDatabase {
  /** Compiles a statement. */
  prepare(source: string): SqliteStatement;
  /** Runs statements that take no parameters. */
  exec(source: string): unknown;
  /** Wraps `fn` in a transaction. */
  transaction(fn: (rows: unknown[][]) => void): (rows: unknown[][]) => void;
}

/** Options of {@link SqliteTokenStore}. */
export interface SqliteTokenStoreOptions {
  /** A better-sqlite3 (12.x) `Database` the application opened; the store never closes it. */
  database: SqliteDatabase;
  /** The table, created if missing. Letters, digits and `_`. Default `access_tokens`. */
  table?: string;
  /** Called with a `CorruptRecordError` for a row that cannot be read. Default: a process warning. */
  onError?: OnStoreError;
}

const NAME = 'SqliteTokenStore';
const OPTION_NAMES = ['database', 'table', 'onError'];

const decode: ColumnDecoders = {
  array: (value) => JSON.parse(value as string),
  integer: (value) => value,
};

/**
 * Keeps records in a SQLite table through better-sqlite3: the embedded, persistent store for one
 * machine. The table (one typed column per field, arrays as JSON text, indexes on subject, client
 * id and expiry) is created when the store is constructed. Every call is synchronous underneath,
 * so the guard's lookup costs no promise.
 *
 * A row that cannot be read (invalid JSON, a value of the wrong type) is reported to `onError` and
 * answered as unknown: that token gets 401 `invalid_token`, others are unaffected.
 *
 * @example
 * import Database from 'better-sqlite3';
 * import { SqliteTokenStore } from 'express-token-guard/sqlite';
 * const store = new SqliteTokenStore({ database: new Database('tokens.db') });
 */
export class SqliteTokenStore implements WritableTokenStore, ListableTokenStore {
  readonly #database: SqliteDatabase;
  readonly #quoted: string;
  readonly #onError: OnStoreError;
  readonly #find: SqliteStatement;
  readonly #upsert: SqliteStatement;
  readonly #deleteByHash: SqliteStatement;
  readonly #deleteBySubject: SqliteStatement;
  readonly #deleteByClientId: SqliteStatement;
  readonly #deleteExpired: SqliteStatement;
  readonly #upsertAll: (rows: unknown[][]) => void;
  // The statements of list(), one per combination of filters, prepared when first used.
  readonly #listStatements = new Map<string, SqliteStatement>();

  constructor(options: SqliteTokenStoreOptions) {
    const { database, table = 'access_tokens', onError } = checkStoreOptions(NAME, options, OPTION_NAMES, '{ database }');
    if (typeof database?.prepare !== 'function' || typeof database.exec !== 'function' || typeof database.transaction !== 'function') {
      throw invalidArgType(`${NAME}: options.database must be a better-sqlite3 Database`);
    }
    const quoted = quoteTable(NAME, table, { schema: false });
    this.#database = database;
    this.#quoted = quoted;
    this.#onError = onError;

    const columns = COLUMNS.map(([field, column]) => `${column} ${columnType(field)}`);
    const names = COLUMNS.map(([, column]) => column);
    // A table of the same name that this store did not create fails here, with a message that says so.
    const setUp = <T>(step: () => T): T => {
      try {
        return step();
      } catch (cause) {
        throw new TypeError(`${NAME}: table ${quoted} is not one this store made (${(cause as Error).message})`, { cause });
      }
    };
    const prepare = (sql: string): SqliteStatement => setUp(() => database.prepare(sql));
    setUp(() =>
      database.exec(
      `CREATE TABLE IF NOT EXISTS ${quoted} (${columns.join(', ')}, PRIMARY KEY (access_token_hash)) WITHOUT ROWID;` +
        `CREATE INDEX IF NOT EXISTS "${table}_subject" ON ${quoted} (subject);` +
        `CREATE INDEX IF NOT EXISTS "${table}_client_id" ON ${quoted} (client_id);` +
        `CREATE INDEX IF NOT EXISTS "${table}_access_token_expires_at" ON ${quoted} (access_token_expires_at);`,
      ),
    );
    // A table made by an older version lacks the columns of the fields added since: add them, keeping every row.
    const existing = new Set(setUp(() => database.prepare(`PRAGMA table_info(${quoted})`).all() as Array<{ name: string }>).map(({ name }) => name));
    for (const [field, column] of COLUMNS) {
      if (!existing.has(column)) setUp(() => database.exec(`ALTER TABLE ${quoted} ADD COLUMN ${column} ${columnType(field)}`));
    }
    this.#find = prepare(`SELECT ${names.join(', ')} FROM ${quoted} WHERE access_token_hash = ?`);
    this.#upsert = prepare(
      `INSERT INTO ${quoted} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ` +
        `ON CONFLICT (access_token_hash) DO UPDATE SET ${names.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`,
    );
    this.#deleteByHash = prepare(`DELETE FROM ${quoted} WHERE access_token_hash = ?`);
    this.#deleteBySubject = prepare(`DELETE FROM ${quoted} WHERE subject = ?`);
    this.#deleteByClientId = prepare(`DELETE FROM ${quoted} WHERE client_id = ?`);
    this.#deleteExpired = prepare(`DELETE FROM ${quoted} WHERE ${expiredCondition('?')}`);
    this.#upsertAll = database.transaction((rows: unknown[][]) => {
      for (const row of rows) this.#upsert.run(...row);
    });
  }

  /** Stores a record, replacing any with the same `accessTokenHash`. */
  async save(record: AccessToken): Promise<void> {
    this.#upsert.run(...toRow(checkRecord(record, `${NAME}.save: record`)));
  }

  /** Stores several records in one transaction; when one is refused, none is stored. */
  async saveMany(records: readonly AccessToken[]): Promise<void> {
    this.#upsertAll(checkRecords(`${NAME}.saveMany`, records).map(toRow));
  }

  /** The record stored under `hash`, or `undefined` (also for a corrupt row, reported to `onError`). */
  findByAccessTokenHash(hash: string): AccessToken | undefined {
    return readRow(NAME, hash, this.#find.get(hash) as Record<string, unknown> | undefined, decode, this.#onError);
  }

  /** Deletes one token; resolves to whether there was one. */
  async deleteByAccessTokenHash(hash: string): Promise<boolean> {
    return this.#deleteByHash.run(checkHash(`${NAME}.deleteByAccessTokenHash`, hash)).changes > 0;
  }

  /** Deletes every token of `subject`; resolves to how many. */
  async deleteBySubject(subject: string): Promise<number> {
    return this.#deleteBySubject.run(checkSubject(`${NAME}.deleteBySubject`, subject)).changes;
  }

  /** Deletes every token of `clientId`; resolves to how many. */
  async deleteByClientId(clientId: number): Promise<number> {
    return this.#deleteByClientId.run(checkClientId(`${NAME}.deleteByClientId`, clientId)).changes;
  }

  /**
   * Deletes every record whose access token has expired at `now` (default: the current time), those
   * without an expiry included; resolves to how many. Run it from a timer of your own.
   */
  async deleteExpired(now?: number): Promise<number> {
    return this.#deleteExpired.run(checkNow(`${NAME}.deleteExpired`, now)).changes;
  }

  /**
   * One page of the records that match `query`, in the order of their `accessTokenHash` (keyset
   * paging on the primary key); see `ListableTokenStore`. A corrupt row goes to `onError` and is
   * left out.
   */
  async list(query?: TokenListQuery): Promise<TokenListPage> {
    const checked = checkListQuery(`${NAME}.list`, query);
    const { text, values } = listStatement(this.#quoted, checked, () => '?');
    let statement = this.#listStatements.get(text);
    if (statement === undefined) {
      statement = this.#database.prepare(text);
      this.#listStatements.set(text, statement);
    }
    return listPage(NAME, statement.all(...values) as Array<Record<string, unknown>>, checked.limit, decode, this.#onError);
  }
}

function columnType(field: keyof AccessToken): string {
  if (field === 'accessTokenHash') return 'TEXT NOT NULL';
  return INTEGER_FIELDS.has(field) ? 'INTEGER' : 'TEXT';
}

function toRow(record: AccessToken): unknown[] {
  return COLUMNS.map(([field]) => {
    const value = record[field];
    if (value === undefined) return null;
    return ARRAY_FIELDS.has(field) ? JSON.stringify(value) : value;
  });
}
