import { createHash } from 'node:crypto';
import { invalidArgType } from '../core/arg-errors.js';
import { checkRecord, findRecordProblem, type AccessToken } from '../core/record.js';
import type { ListableTokenStore, TokenListPage, TokenListQuery, WritableTokenStore } from '../core/store.js';
import { checkClientId, checkHash, checkRecords, checkSubject } from '../core/store-arguments.js';
import { encodeInvalidation } from '../cache/invalidation-bus.js';
import { CorruptRecordError, type OnStoreError } from './corrupt-record.js';
import { checkListQuery, matchesQuery, page } from './list-query.js';
import { DEFAULT_REDIS_CHANNEL } from './redis-invalidations.js';
import { checkStoreOptions } from './store-options.js';
import { checkTimeout, withTimeout } from './timeout.js';

/**
 * The part of a node-redis (`redis` 5.x or 6.x) client the store uses: a client from
 * `createClient()` or a cluster from `createCluster()`, connected by the application.
 */
export interface RedisClientLike {
  /** `HGET`: lookups. */
  hGet(key: string, field: string): Promise<unknown>;
  /** `SMEMBERS`: deletes by subject or client. */
  sMembers(key: string): Promise<unknown>;
  /** `EVAL`: writes, when the script is not cached yet. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** `EVALSHA`: writes. */
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** Needed unless the store's `channel` is `false`. */
  publish?(channel: string, message: string): Promise<unknown>;
  /** Needed by `list()` on a single server. */
  scan?(cursor: string, options: { MATCH: string; COUNT: number }): Promise<unknown>;
  /** Needed by `list()` with a `subject` or `clientId`. */
  sScan?(key: string, cursor: string, options: { COUNT: number }): Promise<unknown>;
  /** A cluster's masters: `list()` scans each in turn, through `nodeClient`. */
  readonly masters?: ReadonlyArray<{
    /** `host:port`. */
    readonly address: string;
  }>;
  /** A cluster's connection to one of its `masters`. */
  nodeClient?(node: never): unknown;
}

/** The part of a node-redis client that scans one server's keys. */
interface RedisScanner {
  scan(cursor: string, options: { MATCH: string; COUNT: number }): Promise<unknown>;
}

/** Options of {@link RedisTokenStore}. */
export interface RedisTokenStoreOptions {
  /** A connected node-redis client or cluster. The store never connects, quits or closes it. */
  client: RedisClientLike;
  /** Starts every key the store writes. Default `"token-guard:"`. */
  prefix?: string;
  /** How long a lookup may take before the guard answers 503, in ms. Default 1000. Writes are not bounded. */
  timeoutMs?: number;
  /** Called with a {@link CorruptRecordError} for a record that cannot be read. Default: a process warning. */
  onError?: OnStoreError;
  /**
   * The pub/sub channel on which every write publishes the hashes it changed, for the caches of every
   * instance (see `redisInvalidations`); `false` publishes nothing. Default `"token-guard:invalidations"`.
   */
  channel?: string | false;
}

const NAME = 'RedisTokenStore';
const OPTION_NAMES = ['client', 'prefix', 'timeoutMs', 'onError', 'channel'];
const CLIENT_METHODS = ['hGet', 'sMembers', 'eval', 'evalSha'] as const;

// Every script touches exactly one key, so on a cluster it runs on the node that owns that key's slot.
// Token keys are hashes: r (the record as JSON), s (subject), c (client id).

// Replaces a token; returns its previous subject and client id, so that the caller can fix the indexes.
const SAVE = script(`
local old = redis.call('HMGET', KEYS[1], 's', 'c')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'r', ARGV[1])
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 's', ARGV[4]) end
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'c', ARGV[6]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return {old[1] or false, old[2] or false}
`);

// Deletes a token, if its field ARGV[1] (none when empty) equals ARGV[2]; returns its subject and client id.
const DELETE = script(`
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return false end
local old = redis.call('HMGET', KEYS[1], 's', 'c')
if redis.call('DEL', KEYS[1]) == 0 then return false end
return {old[1] or false, old[2] or false}
`);

// Adds a token hash to an index set that expires no earlier than any token it lists.
const INDEX_ADD = script(`
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
local at = tonumber(ARGV[2])
if existed == 0 then
  redis.call('PEXPIREAT', KEYS[1], at)
else
  local current = redis.call('PEXPIRETIME', KEYS[1])
  if current >= 0 and current < at then redis.call('PEXPIREAT', KEYS[1], at) end
end
return 1
`);

const INDEX_REMOVE = script(`return redis.call('SREM', KEYS[1], ARGV[1])`);

// How many SCAN or SSCAN calls one page of list() makes at most, to fill it.
const SCAN_ROUNDS = 10;
const SCAN_CURSOR = /^(\d+)@(.*)$/s;
const INDEX_CURSOR = /^\d+$/;

/**
 * Keeps records in Redis (7.0 or later) through node-redis, on one server or a cluster: the store
 * for several instances of an API. Each token is one key, `<prefix>t:<hash>`, that Redis expires at
 * `accessTokenExpiresAt` (an already-expired record is dropped at once); the sets
 * `<prefix>s:<subject>` and `<prefix>c:<clientId>` index it and expire no earlier than the tokens
 * they list. Every command touches one key, so one hash slot.
 *
 * Lookups give up after `timeoutMs`: a server that is down or hangs makes the guard answer 503, and
 * node-redis reconnects by itself when it is back. Give the client an `error` listener: without one,
 * node-redis makes a lost connection crash the process.
 *
 * `saveMany` checks every record before writing any, but Redis has no transaction across slots: if
 * the server fails midway, the records written so far stay.
 *
 * @example
 * import { createClient } from 'redis';
 * import { RedisTokenStore } from 'express-token-guard/redis';
 * const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
 * client.on('error', (error) => console.error('redis:', error.message));
 * await client.connect();
 * const store = new RedisTokenStore({ client });
 */
export class RedisTokenStore implements WritableTokenStore, ListableTokenStore {
  readonly #client: RedisClientLike;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #onError: OnStoreError;
  readonly #channel: string | false;

  constructor(options: RedisTokenStoreOptions) {
    const { client, prefix = 'token-guard:', timeoutMs, onError, channel = DEFAULT_REDIS_CHANNEL } = checkStoreOptions(
      NAME,
      options,
      OPTION_NAMES,
      '{ client }',
    );
    for (const method of CLIENT_METHODS) {
      if (typeof (client as unknown as Record<string, unknown> | undefined)?.[method] !== 'function') {
        throw invalidArgType(`${NAME}: options.client must be a node-redis client or cluster (it has no ${method}())`);
      }
    }
    if (typeof prefix !== 'string') throw invalidArgType(`${NAME}: options.prefix must be a string`);
    this.#client = client;
    this.#prefix = prefix;
    this.#timeoutMs = checkTimeout(NAME, timeoutMs);
    this.#onError = onError;
    if (channel !== false && (typeof channel !== 'string' || channel === '')) {
      throw invalidArgType(`${NAME}: options.channel must be a non-empty string, or false to publish nothing`);
    }
    if (channel !== false && typeof client.publish !== 'function') {
      throw invalidArgType(`${NAME}: options.client has no publish(); pass channel: false to publish nothing`);
    }
    this.#channel = channel;
  }

  /** The record stored under `hash`, or `undefined`; rejects after `timeoutMs` without an answer. */
  async findByAccessTokenHash(hash: string): Promise<AccessToken | undefined> {
    let json: unknown;
    try {
      json = await withTimeout(this.#client.hGet(this.#tokenKey(hash), 'r'), this.#timeoutMs, NAME);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('WRONGTYPE'))) throw error;
      return this.#corrupt(hash, '(key type)', error);
    }
    if (json === null || json === undefined) return undefined;
    let record: unknown;
    try {
      record = JSON.parse(String(json));
    } catch (cause) {
      return this.#corrupt(hash, '(JSON)', cause);
    }
    const problem = findRecordProblem(record);
    return problem === undefined ? (record as AccessToken) : this.#corrupt(hash, problem.field);
  }

  /** Stores a record, replacing any with the same `accessTokenHash`, and moves it between the indexes. */
  async save(record: AccessToken): Promise<void> {
    await this.#write(checkRecord(record, `${NAME}.save: record`));
  }

  /** Stores several records; when one is refused, none is written. Not atomic: see the class notes. */
  async saveMany(records: readonly AccessToken[]): Promise<void> {
    await Promise.all(checkRecords(`${NAME}.saveMany`, records).map((record) => this.#write(record)));
  }

  /** Deletes one token; resolves to whether there was one. */
  async deleteByAccessTokenHash(hash: string): Promise<boolean> {
    return this.#delete(checkHash(`${NAME}.deleteByAccessTokenHash`, hash), '', '');
  }

  /** Deletes every token of `subject`; resolves to how many. */
  async deleteBySubject(subject: string): Promise<number> {
    return this.#deleteIndexed(this.#subjectKey(checkSubject(`${NAME}.deleteBySubject`, subject)), 's', subject);
  }

  /** Deletes every token of `clientId`; resolves to how many. */
  async deleteByClientId(clientId: number): Promise<number> {
    return this.#deleteIndexed(this.#clientKey(checkClientId(`${NAME}.deleteByClientId`, clientId)), 'c', String(clientId));
  }

  /**
   * One page of the records that match `query`; see `ListableTokenStore`. Without `subject` or
   * `clientId` it `SCAN`s the keys `<prefix>t:*` (on a cluster, each master in turn, by address);
   * with one, it `SSCAN`s that index set. Order is Redis's; `limit` is the `COUNT` hint, so a page
   * may hold a few more or fewer records (even none while `next` is set), and a record may come
   * twice while Redis resizes its tables. Expired tokens are gone already: Redis dropped them.
   */
  async list(query?: TokenListQuery): Promise<TokenListPage> {
    const checked = checkListQuery(`${NAME}.list`, query);
    const { subject, clientId, after, limit } = checked;
    const { hashes, next } =
      subject !== undefined || clientId !== undefined
        ? await this.#scanIndex(subject === undefined ? this.#clientKey(clientId as number) : this.#subjectKey(subject), after, limit)
        : await this.#scanTokens(after, limit);
    const found = await Promise.all([...hashes].map((hash) => this.findByAccessTokenHash(hash)));
    return page(
      found.filter((record): record is AccessToken => record !== undefined && matchesQuery(record, checked)),
      next,
    );
  }

  async #scanIndex(key: string, after: string | undefined, limit: number): Promise<{ hashes: Set<string>; next?: string }> {
    const sScan = this.#client.sScan;
    if (typeof sScan !== 'function') throw invalidArgType(`${NAME}.list: options.client has no sScan(); pass a node-redis client or cluster`);
    if (after !== undefined && !INDEX_CURSOR.test(after)) throw invalidArgType(`${NAME}.list: after must be the next of a previous page`);
    const hashes = new Set<string>();
    let cursor = after ?? '0';
    for (let round = 0; round < SCAN_ROUNDS && (round === 0 || cursor !== '0') && hashes.size < limit; round++) {
      const reply = (await sScan.call(this.#client, key, cursor, { COUNT: limit })) as { cursor: unknown; members: unknown[] };
      cursor = String(reply.cursor);
      for (const member of reply.members) hashes.add(String(member));
    }
    return cursor === '0' ? { hashes } : { hashes, next: cursor };
  }

  async #scanTokens(after: string | undefined, limit: number): Promise<{ hashes: Set<string>; next?: string }> {
    const nodes = await this.#scanners();
    let node = 0;
    let cursor = '0';
    if (after !== undefined) {
      const [, at, address] = SCAN_CURSOR.exec(after) ?? [];
      node = nodes.findIndex((candidate) => candidate.address === address);
      if (at === undefined || node < 0) {
        throw invalidArgType(`${NAME}.list: after must be the next of a previous page${at === undefined ? '' : ` (no server at ${address} now: list again from the start)`}`);
      }
      cursor = at;
    }
    const start = this.#tokenKey('');
    const MATCH = `${start.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const hashes = new Set<string>();
    for (let round = 0; round < SCAN_ROUNDS && node < nodes.length && hashes.size < limit; round++) {
      const { scanner } = nodes[node] as { scanner: RedisScanner };
      const reply = (await scanner.scan(cursor, { MATCH, COUNT: limit })) as { cursor: unknown; keys: unknown[] };
      cursor = String(reply.cursor);
      for (const key of reply.keys) hashes.add(String(key).slice(start.length));
      if (cursor === '0') node++;
    }
    return node === nodes.length ? { hashes } : { hashes, next: `${cursor}@${(nodes[node] as { address: string }).address}` };
  }

  /** The servers to scan: the client itself, or a cluster's masters in the order of their addresses. */
  async #scanners(): Promise<Array<{ address: string; scanner: RedisScanner }>> {
    const client = this.#client;
    if (client.masters !== undefined && typeof client.nodeClient === 'function') {
      const masters = [...client.masters].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
      return Promise.all(
        masters.map(async (master) => ({ address: master.address, scanner: (await client.nodeClient?.(master as never)) as RedisScanner })),
      );
    }
    if (typeof client.scan !== 'function') throw invalidArgType(`${NAME}.list: options.client has no scan(); pass a node-redis client or cluster`);
    return [{ address: '', scanner: client as RedisScanner }];
  }

  async #write(record: AccessToken): Promise<void> {
    const hash = record.accessTokenHash as string;
    const expiresAt = record.accessTokenExpiresAt ?? 0;
    const { subject, clientId } = record;
    const live = expiresAt > Date.now();
    // New index entries first: a failure midway leaves an index entry too many (harmless), never one too few.
    if (live) {
      await Promise.all([
        subject === undefined ? undefined : this.#run(INDEX_ADD, this.#subjectKey(subject), [hash, String(expiresAt)]),
        clientId === undefined ? undefined : this.#run(INDEX_ADD, this.#clientKey(clientId), [hash, String(expiresAt)]),
      ]);
    }
    const old = (await this.#run(SAVE, this.#tokenKey(hash), [
      JSON.stringify(record),
      String(live ? expiresAt : 0),
      subject === undefined ? '0' : '1',
      subject ?? '',
      clientId === undefined ? '0' : '1',
      clientId === undefined ? '' : String(clientId),
    ])) as [string | null, string | null];
    await this.#unindex(hash, old, live ? subject : undefined, live && clientId !== undefined ? String(clientId) : undefined);
    await this.#publish(hash);
  }

  async #delete(hash: string, field: string, value: string): Promise<boolean> {
    const old = (await this.#run(DELETE, this.#tokenKey(hash), [field, value])) as [string | null, string | null] | null;
    if (old === null) return false;
    await this.#unindex(hash, old, undefined, undefined);
    await this.#publish(hash);
    return true;
  }

  async #deleteIndexed(indexKey: string, field: 's' | 'c', value: string): Promise<number> {
    const hashes = (await this.#client.sMembers(indexKey)) as string[];
    const deleted = await Promise.all(
      hashes.map(async (hash) => {
        const done = await this.#delete(hash, field, value);
        await this.#run(INDEX_REMOVE, indexKey, [hash]);
        return done;
      }),
    );
    return deleted.filter(Boolean).length;
  }

  /** Removes `hash` from the indexes it was in (`old`), except those it is still in. */
  async #unindex(
    hash: string,
    [oldSubject, oldClientId]: [string | null, string | null],
    subject: string | undefined,
    clientId: string | undefined,
  ): Promise<void> {
    await Promise.all([
      oldSubject === null || oldSubject === subject ? undefined : this.#run(INDEX_REMOVE, this.#subjectKey(oldSubject), [hash]),
      oldClientId === null || oldClientId === clientId ? undefined : this.#run(INDEX_REMOVE, this.#clientKey(oldClientId), [hash]),
    ]);
  }

  async #publish(hash: string): Promise<void> {
    if (this.#channel !== false) await this.#client.publish?.(this.#channel, encodeInvalidation({ hash }));
  }

  async #run({ source, sha1 }: Script, key: string, args: string[]): Promise<unknown> {
    const options = { keys: [key], arguments: args };
    try {
      return await this.#client.evalSha(sha1, options);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return this.#client.eval(source, options);
    }
  }

  #corrupt(hash: string, field: string, cause?: unknown): undefined {
    this.#onError(new CorruptRecordError(NAME, hash, field, cause === undefined ? undefined : { cause }));
    return undefined;
  }

  #tokenKey(hash: string): string {
    return `${this.#prefix}t:${hash}`;
  }

  #subjectKey(subject: string): string {
    return `${this.#prefix}s:${subject}`;
  }

  #clientKey(clientId: number | string): string {
    return `${this.#prefix}c:${clientId}`;
  }
}

interface Script {
  source: string;
  sha1: string;
}

function script(source: string): Script {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

export {
  DEFAULT_REDIS_CHANNEL,
  redisInvalidations,
  type RedisInvalidationsOptions,
  type RedisPublisherLike,
  type RedisSubscriberLike,
} from './redis-invalidations.js';
export { RedisReplayStore, type RedisReplayClientLike, type RedisReplayStoreOptions } from './redis-replay.js';
