import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import { InsufficientScopeError, InvalidRequestError } from '../core/errors.js';
import { parseAccessToken } from '../core/parse-access-token.js';
import type { AccessToken, Property } from '../core/record.js';
import type { ResolvedAccessToken, TokenResolver, WritableTokenStore } from '../core/store.js';
import { UpstreamError } from '../core/upstream-error.js';
import type { OnStoreError } from '../stores/corrupt-record.js';
import { checkStoreOptions } from '../stores/store-options.js';
import { checkTimeout } from '../stores/timeout.js';
import { checkHttpsUrl } from '../core/https-url.js';
import { checkFetch, checkHeaderValue, checkText, exchange, isObject, type FetchLike } from './http.js';

export type { FetchLike } from './http.js';

/** Options of {@link authleteStore}. */
export interface AuthleteStoreOptions {
  /** Authlete's API base URL, e.g. `https://us.authlete.com` (or jp, eu, br); `http:` only on loopback. */
  baseUrl: string;
  /** The service's API key (its id), as in `/api/{serviceId}/…`. */
  serviceId: string | number;
  /** The service access token; sent as `Authorization: Bearer …`. Read it from your secrets, never log it. */
  accessToken: string;
  /** A `fetch` implementation; the global one by default. */
  fetch?: FetchLike;
  /** How long one introspection may take before the guard answers 503, in ms. Default 2000. */
  timeoutMs?: number;
  /** Receives an {@link UpstreamError} for every failed introspection. Default: a process warning. */
  onError?: OnStoreError;
}

/** Options of {@link syncFromAuthlete}. */
export interface SyncFromAuthleteOptions {
  /** Where the records go, through `saveMany`, a page at a time. */
  store: Pick<WritableTokenStore, 'saveMany'>;
  /** Authlete's API base URL, e.g. `https://us.authlete.com` (or jp, eu, br); `http:` only on loopback. */
  baseUrl: string;
  /** The service's API key (its id), as in `/api/{serviceId}/…`: digits, letters, `-` or `_`. */
  serviceId: string | number;
  /** The service access token; sent as `Authorization: Bearer …`. Read it from your secrets, never log it. */
  accessToken: string;
  /** Only the tokens of this client (its id or alias). */
  clientIdentifier?: string;
  /** Only the tokens of this resource owner. */
  subject?: string;
  /** Called after each page is written. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** A `fetch` implementation; the global one by default. Redirects are refused. */
  fetch?: FetchLike;
  /** How long one page may take, in ms. Default 10,000. */
  timeoutMs?: number;
}

const STORE_NAME = 'authleteStore';
const SYNC_NAME = 'syncFromAuthlete';
const STORE_OPTIONS = ['baseUrl', 'serviceId', 'accessToken', 'fetch', 'timeoutMs', 'onError'];
const SYNC_OPTIONS = ['store', 'baseUrl', 'serviceId', 'accessToken', 'clientIdentifier', 'subject', 'onProgress', 'fetch', 'timeoutMs'];
/** The largest page asked for: Authlete's own default page is smaller. */
export const AUTHLETE_PAGE_SIZE = 20;

/**
 * A store that asks Authlete about each token: `POST {baseUrl}/api/{serviceId}/auth/introspection`
 * (Authlete API v3) with the token, and maps the answer by its `action`:
 *
 * | `action` | the guard answers |
 * |---|---|
 * | `OK` | the record: `expiresAt` → `accessTokenExpiresAt`, `clientId`, `subject`, `scopes`, `grantType`, `properties`, `acr`, `authTime` (seconds → ms), `certificateThumbprint` → `cnf['x5t#S256']`; the answer as `req.auth.claims` |
 * | `UNAUTHORIZED` (unknown, expired, client gone) | 401 `invalid_token` |
 * | `BAD_REQUEST` | 400 `invalid_request` |
 * | `FORBIDDEN` | 403 `insufficient_scope` |
 * | `INTERNAL_SERVER_ERROR`, another HTTP status, bad JSON, no `action`, a network error, no answer within `timeoutMs` | 503, and `onError` gets an {@link UpstreamError} |
 *
 * It sends neither scopes nor subject: the guard checks scopes itself, so one answer serves every
 * route and `cachedStore` in front of it asks Authlete once per token and `ttlMs`. No error message
 * or warning holds the token. Options are checked now (a `TypeError` naming the option).
 *
 * @example
 * const store = cachedStore(authleteStore({
 *   baseUrl: 'https://us.authlete.com',
 *   serviceId: process.env.AUTHLETE_SERVICE_ID,
 *   accessToken: process.env.AUTHLETE_ACCESS_TOKEN,
 * }));
 * app.use(tokenGuard({ store }));
 */
export function authleteStore(options: AuthleteStoreOptions): TokenResolver {
  const { baseUrl, serviceId, accessToken, fetch, timeoutMs, onError } = checkStoreOptions(
    STORE_NAME,
    options,
    STORE_OPTIONS,
    "{ baseUrl: 'https://us.authlete.com', serviceId, accessToken }",
  );
  const url = `${checkHttpsUrl(`${STORE_NAME}: options.baseUrl`, baseUrl).replace(/\/+$/, '')}/api/${checkServiceId(STORE_NAME, serviceId)}/auth/introspection`;
  const authorization = `Bearer ${checkHeaderValue(`${STORE_NAME}: options.accessToken`, accessToken)}`;
  const send = checkFetch(`${STORE_NAME}: options.fetch`, fetch);
  const limit = timeoutMs === undefined ? 2000 : checkTimeout(STORE_NAME, timeoutMs);
  const fail = (error: UpstreamError): never => {
    onError(error);
    throw error;
  };
  return {
    async resolveAccessToken(token: string): Promise<ResolvedAccessToken | undefined> {
      const answer = await exchange(
        send,
        'Authlete introspection',
        url,
        { method: 'POST', headers: { authorization, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ token }) },
        limit,
      ).catch(fail);
      const json = isObject(answer.json) ? answer.json : undefined;
      if (answer.status !== 200 || json === undefined || typeof json['action'] !== 'string') {
        return fail(upstreamError('Authlete introspection', answer.status, answer.json, json === undefined ? 'a body that is not a JSON object' : 'no action'));
      }
      switch (json['action']) {
        case 'OK':
          return fromIntrospection(json);
        case 'UNAUTHORIZED':
          return undefined;
        case 'BAD_REQUEST':
          throw new InvalidRequestError('rejected_upstream');
        case 'FORBIDDEN':
          throw new InsufficientScopeError([], 'upstream');
        default:
          return fail(upstreamError('Authlete introspection', answer.status, json, `action ${JSON.stringify(json['action'])}`));
      }
    },
  };
}

/** The record of an `OK` introspection answer; null or absent fields stay absent. */
function fromIntrospection(json: Record<string, unknown>): ResolvedAccessToken {
  const record: ResolvedAccessToken = { claims: json };
  const copy = <K extends keyof AccessToken>(field: K, value: unknown) => {
    if (value !== undefined && value !== null) record[field] = value as AccessToken[K];
  };
  copy('accessTokenExpiresAt', json['expiresAt']);
  copy('clientId', json['clientId']);
  copy('subject', json['subject']);
  copy('scopes', json['scopes']);
  copy('grantType', json['grantType']);
  copy('properties', mapProperties(json['properties']));
  copy('acr', json['acr']);
  const authTime = json['authTime'];
  // Authlete sends authTime in seconds; 0 means unknown.
  if (typeof authTime === 'number' && authTime !== 0) record.authTime = Number.isFinite(authTime) ? Math.floor(authTime) * 1000 : authTime;
  const thumbprint = json['certificateThumbprint'];
  if (thumbprint !== undefined && thumbprint !== null) record.cnf = { 'x5t#S256': thumbprint as string };
  return record;
}

function mapProperties(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((item: unknown) => {
    if (!isObject(item)) return item;
    const { key, value: propertyValue, hidden } = item;
    return (hidden === undefined || hidden === null ? { key, value: propertyValue } : { key, value: propertyValue, hidden }) as Property;
  });
}

/**
 * Copies Authlete's tokens into any writable store: `GET {baseUrl}/api/{serviceId}/auth/token/get/list`
 * page by page (`start` and `end` always sent, {@link AUTHLETE_PAGE_SIZE} a page, until `totalCount`),
 * each page written with `saveMany`, `onProgress` after each. Resolves to `{ saved, total }`.
 *
 * A page that fails rejects with an {@link UpstreamError} naming the page (`start`–`end`) and the HTTP
 * status, or the network failure as `cause`; the pages already written stay. Each record goes
 * through `parseAccessToken`, so a bad one rejects with its field and its position.
 *
 * Paging is by position: a token created or deleted during a sync can be skipped or repeated, so a
 * sync is a repair job, not a replication stream. Authlete offers this endpoint on paid plans only.
 */
export async function syncFromAuthlete(options: SyncFromAuthleteOptions): Promise<{
  /** How many records were written to the store (the sum of every page's `saveMany`). */
  saved: number;
  /** Authlete's `totalCount` on the last page read: how many tokens matched the filters; 0 if none. */
  total: number;
}> {
  if (!isObject(options)) throw invalidArgType(`${SYNC_NAME}: options must be an object, e.g. { store, baseUrl, serviceId, accessToken }`);
  for (const name of Object.keys(options)) {
    if (!SYNC_OPTIONS.includes(name)) throw invalidArgValue(`${SYNC_NAME}: unknown option "${name}" (it takes ${SYNC_OPTIONS.join(', ')})`);
  }
  const { store, clientIdentifier, subject, onProgress } = options;
  if (typeof store?.saveMany !== 'function') throw invalidArgType(`${SYNC_NAME}: options.store must be a writable token store (with saveMany)`);
  const base = `${checkHttpsUrl(`${SYNC_NAME}: options.baseUrl`, options.baseUrl).replace(/\/+$/, '')}/api/${checkServiceId(SYNC_NAME, options.serviceId)}/auth/token/get/list`;
  const authorization = `Bearer ${checkHeaderValue(`${SYNC_NAME}: options.accessToken`, options.accessToken)}`;
  const send = checkFetch(`${SYNC_NAME}: options.fetch`, options.fetch);
  const limit = options.timeoutMs === undefined ? 10_000 : checkTimeout(SYNC_NAME, options.timeoutMs);
  if (clientIdentifier !== undefined) checkText(`${SYNC_NAME}: options.clientIdentifier`, clientIdentifier);
  if (subject !== undefined) checkText(`${SYNC_NAME}: options.subject`, subject);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidArgType(`${SYNC_NAME}: options.onProgress must be a function`);

  let saved = 0;
  let total = Number.POSITIVE_INFINITY;
  for (let start = 0; start < total; start += AUTHLETE_PAGE_SIZE) {
    const end = start + AUTHLETE_PAGE_SIZE;
    const query = new URLSearchParams({ start: String(start), end: String(end) });
    if (clientIdentifier !== undefined) query.set('clientIdentifier', clientIdentifier);
    if (subject !== undefined) query.set('subject', subject);
    const what = `Authlete token list, page ${start}–${end}`;
    const answer = await exchange(send, what, `${base}?${query}`, { method: 'GET', headers: { authorization, accept: 'application/json' } }, limit);
    const json = isObject(answer.json) ? answer.json : undefined;
    const tokens = json?.['accessTokens'] ?? [];
    if (answer.status !== 200 || json === undefined || !Number.isSafeInteger(json['totalCount']) || !Array.isArray(tokens)) {
      throw upstreamError(what, answer.status, answer.json, json === undefined ? 'a body that is not a JSON object' : 'no totalCount or accessTokens');
    }
    total = json['totalCount'] as number;
    const records = tokens.map((token: unknown, index) => {
      try {
        return parseAccessToken(token);
      } catch (error) {
        throw new TypeError(`${SYNC_NAME}: record ${start + index + 1} of ${total} (accessTokens[${index}] of ${what}): ${(error as Error).message}`);
      }
    });
    if (records.length > 0) await store.saveMany(records);
    saved += records.length;
    onProgress?.({ done: Math.min(end, total), total });
    if (records.length === 0) break;
  }
  return { saved, total: Number.isFinite(total) ? total : 0 };
}

function checkServiceId(what: string, serviceId: unknown): string {
  if (typeof serviceId === 'number' && Number.isSafeInteger(serviceId) && serviceId >= 0) return String(serviceId);
  if (typeof serviceId === 'string' && /^[A-Za-z0-9_-]+$/.test(serviceId)) return serviceId;
  throw invalidArgType(`${what}: options.serviceId must be the service's id (digits, letters, - or _)`);
}

/** An error for an answer that is not the documented one, with Authlete's resultCode and resultMessage when it sent them. */
function upstreamError(what: string, status: number, json: unknown, problem: string): UpstreamError {
  const body = isObject(json) ? json : {};
  const resultCode = typeof body['resultCode'] === 'string' ? body['resultCode'] : undefined;
  const resultMessage = typeof body['resultMessage'] === 'string' ? body['resultMessage'] : undefined;
  const summary = status === 200 ? `HTTP 200 with ${problem}` : `HTTP ${status}`;
  return new UpstreamError(`${what} answered ${summary}${resultCode === undefined ? '' : ` (${resultCode})`}`, {
    status,
    ...(resultCode === undefined ? {} : { resultCode }),
    ...(resultMessage === undefined ? {} : { resultMessage }),
  });
}
