import { invalidArgValue } from '../core/arg-errors.js';
import { RECORD_FIELDS, findRecordProblem, type AccessToken } from '../core/record.js';
import { CorruptRecordError, type OnStoreError } from './corrupt-record.js';

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
