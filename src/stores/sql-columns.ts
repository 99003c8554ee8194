import { invalidArgValue } from '../core/arg-errors.js';
import { RECORD_FIELDS, findRecordProblem, type AccessToken } from '../core/record.js';
import { CorruptRecordError, type OnStoreError } from './corrupt-record.js';
import type { ListQuery } from './list-query.js';

/** The SQL column of each record field: the field's name in snake_case. */
export const COLUMNS: ReadonlyArray<readonly [keyof AccessToken, string]> = RECORD_FIELDS.map((field) => [
  field,
  field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
]);

/**
 * The record fields stored as structured values: arrays and `cnf` (JSON text in SQLite; `text[]` or
 * `jsonb` in PostgreSQL).
 */
export const ARRAY_FIELDS: ReadonlySet<keyof AccessToken> = new Set(['scopes', 'properties', 'refreshTokenScopes', 'cnf', 'audience']);

/** The record fields stored as 64-bit integers. */
export const INTEGER_FIELDS: ReadonlySet<keyof AccessToken> = new Set([
  'accessTokenExpiresAt',
  'refreshTokenExpiresAt',
  'createdAt',
  'lastRefreshedAt',
  'clientId',
  'authTime',
]);

/** How a driver's column values become record values. */
export interface ColumnDecoders {
  array(value: unknown): unknown;
  integer(value: unknown): unknown;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Checks a table name (optionally `schema.table`) and returns it quoted for SQL. Only plain
 * identifiers are accepted, so a name can never inject SQL.
 */
export function quoteTable(what: string, table: unknown, { schema }: { schema: boolean }): string {
  const parts = typeof table === 'string' ? table.split('.') : [];
  if (parts.length === 0 || parts.length > (schema ? 2 : 1) || !parts.every((part) => IDENTIFIER.test(part))) {
    throw invalidArgValue(
      `${what}: table must be ${schema ? 'a table name or schema.table' : 'a table name'} of letters, digits and _ (at most 63 each), not ${JSON.stringify(table)}`,
    );
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/**
 * Turns a row (keyed by column) into a record: NULL columns become absent fields, and `decode`
 * reads array and integer columns. Returns the record, or a {@link CorruptRecordError} for a row
 * whose values do not make a well-formed record.
 */
function rowToRecord(
  store: string,
  hash: string,
  row: Record<string, unknown>,
  decode: ColumnDecoders,
): AccessToken | CorruptRecordError {
  const record: Record<string, unknown> = {};
  for (const [field, column] of COLUMNS) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    try {
      record[field] = ARRAY_FIELDS.has(field) ? decode.array(value) : INTEGER_FIELDS.has(field) ? decode.integer(value) : value;
    } catch (cause) {
      return new CorruptRecordError(store, hash, field, { cause });
    }
  }
  const problem = findRecordProblem(record);
  return problem === undefined ? (record as AccessToken) : new CorruptRecordError(store, hash, problem.field);
}

/** {@link rowToRecord} for a lookup: a corrupt row goes to `onError` and reads as no record. */
export function readRow(
  store: string,
  hash: string,
  row: Record<string, unknown> | undefined,
  decode: ColumnDecoders,
  onError: OnStoreError,
): AccessToken | undefined {
  if (row === undefined) return undefined;
  const record = rowToRecord(store, hash, row, decode);
  if (!(record instanceof CorruptRecordError)) return record;
  onError(record);
  return undefined;
}

/** The condition of an expired record, with `now` as the parameter `param`; absent or 0 counts as expired. */
export function expiredCondition(param: string): string {
  return `access_token_expires_at IS NULL OR access_token_expires_at = 0 OR access_token_expires_at <= ${param}`;
}

/**
 * The SELECT of one page of `list`, keyset-paged by `access_token_hash`: `limit + 1` rows, so that
 * the caller knows whether there is a next page. `param(n)` spells the n-th parameter (1-based).
 */
export function listStatement(quoted: string, query: ListQuery, param: (n: number) => string): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  const add = (value: unknown, condition: (p: string) => string): void => {
    values.push(value);
    where.push(condition(param(values.length)));
  };
  if (query.after !== undefined) add(query.after, (p) => `access_token_hash > ${p}`);
  if (query.subject !== undefined) add(query.subject, (p) => `subject = ${p}`);
  if (query.clientId !== undefined) add(query.clientId, (p) => `client_id = ${p}`);
  if (query.expired === true) add(query.now, (p) => `(${expiredCondition(p)})`);
  if (query.expired === false) add(query.now, (p) => `NOT (${expiredCondition(p)})`);
  values.push(query.limit + 1);
  const names = COLUMNS.map(([, column]) => column).join(', ');
  const filter = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  return { text: `SELECT ${names} FROM ${quoted}${filter} ORDER BY access_token_hash LIMIT ${param(values.length)}`, values };
}

/**
 * Turns the rows of a {@link listStatement} into a page: corrupt rows go to `onError` and are left
 * out, and the cursor is the hash of the last row of the page, corrupt or not.
 */
export function listPage(
  store: string,
  rows: Array<Record<string, unknown>>,
  limit: number,
  decode: ColumnDecoders,
  onError: OnStoreError,
): { records: AccessToken[]; next?: string } {
  const records: AccessToken[] = [];
  for (const row of rows.slice(0, limit)) {
    const record = readRow(store, String(row['access_token_hash']), row, decode, onError);
    if (record !== undefined) records.push(record);
  }
  return rows.length > limit ? { records, next: String(rows[limit - 1]?.['access_token_hash']) } : { records };
}
