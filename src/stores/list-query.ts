import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import type { AccessToken } from '../core/record.js';
import type { TokenListPage, TokenListQuery } from '../core/store.js';
import { checkClientId, checkNow, checkSubject } from '../core/store-arguments.js';

/** The default and the largest `limit` of a page. */
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

const QUERY_NAMES = ['subject', 'clientId', 'expired', 'now', 'after', 'limit'];

/** A checked {@link TokenListQuery}: `now` and `limit` filled in. */
export interface ListQuery {
  subject?: string;
  clientId?: number;
  expired?: boolean;
  now: number;
  after?: string;
  limit: number;
}

/** Checks the query of a `list` call; `what` names the method. */
export function checkListQuery(what: string, query: TokenListQuery | undefined): ListQuery {
  if (query === undefined) return { now: Date.now(), limit: DEFAULT_LIST_LIMIT };
  if (typeof query !== 'object' || query === null) throw invalidArgType(`${what}: query must be an object, e.g. { subject: 'alice' }`);
  for (const name of Object.keys(query)) {
    if (!QUERY_NAMES.includes(name)) throw invalidArgValue(`${what}: unknown query field "${name}" (it takes ${QUERY_NAMES.join(', ')})`);
  }
  const { subject, clientId, expired, after, limit = DEFAULT_LIST_LIMIT } = query;
  const checked: ListQuery = { now: checkNow(what, query.now), limit };
  if (subject !== undefined) checked.subject = checkSubject(what, subject);
  if (clientId !== undefined) checked.clientId = checkClientId(what, clientId);
  if (expired !== undefined) {
    if (typeof expired !== 'boolean') throw invalidArgType(`${what}: expired must be a boolean`);
    checked.expired = expired;
  }
  if (after !== undefined) {
    if (typeof after !== 'string' || after === '') throw invalidArgType(`${what}: after must be the next of a previous page`);
    checked.after = after;
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw invalidArgType(`${what}: limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  return checked;
}

/** Whether a record's access token has expired at `now`; absent or `0` counts as expired. */
export function isExpired(record: AccessToken, now: number): boolean {
  const at = record.accessTokenExpiresAt;
  return at === undefined || at === 0 || at <= now;
}

/** Whether a record matches the filters of a query (not its cursor). */
export function matchesQuery(record: AccessToken, { subject, clientId, expired, now }: ListQuery): boolean {
  return (
    (subject === undefined || record.subject === subject) &&
    (clientId === undefined || record.clientId === clientId) &&
    (expired === undefined || isExpired(record, now) === expired)
  );
}

/** A page, with `next` only when it is set. */
export function page(records: AccessToken[], next: string | undefined): TokenListPage {
  return next === undefined ? { records } : { records, next };
}
