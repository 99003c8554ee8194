import { createHash } from 'node:crypto';
import { invalidArgType } from '../core/arg-errors.js';
import type { ReplayStore } from '../binding/replay.js';
import type { OnStoreError } from './corrupt-record.js';
import { checkStoreOptions } from './store-options.js';
import { checkTimeout, withTimeout } from './timeout.js';

/** The part of a node-redis client (or cluster) {@link RedisReplayStore} uses. */
export interface RedisReplayClientLike {
  /** Runs a Lua script on `keys` with `arguments`. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link RedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** A connected node-redis client or cluster; the store never connects or closes it. */
  client: RedisReplayClientLike;
  /** Starts every key. Default `"token-guard:dpop:"`. */
  prefix?: string;
  /** How long Redis may take to answer before the request is refused with a 503, in ms. Default 1000. */
  timeoutMs?: number;
}

const NAME = 'RedisReplayStore';
// SET NX PXAT in one step: OK when the key is new, nil when a proof with it was accepted before.
const REMEMBER = "return redis.call('SET', KEYS[1], '1', 'NX', 'PXAT', ARGV[1])";

/**
 * A DPoP replay store that several instances share (RFC 9449 §11.1): each accepted proof is a key
 * `<prefix><replay key>` set only if absent, expiring when the proof would be refused anyway, so a
 * proof accepted by one instance is refused by every other. One round trip per DPoP request. A
 * Redis error or timeout refuses the request with a 503; it never lets a proof through unchecked.
 *
 * @example
 * import { RedisReplayStore } from 'express-token-guard/redis';
 * app.use(tokenGuard({ store, dpop: { origin: 'https://api.example.com', replayStore: new RedisReplayStore({ client }) } }));
 */
export class RedisReplayStore implements ReplayStore {
  readonly #client: RedisReplayClientLike;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(options: RedisReplayStoreOptions) {
    // onError is not among the names it takes, so the check refuses one.
    const checked = checkStoreOptions(NAME, options as RedisReplayStoreOptions & { onError?: OnStoreError }, ['client', 'prefix', 'timeoutMs'], '{ client }');
    if (typeof checked.client?.eval !== 'function') throw invalidArgType(`${NAME}: options.client must be a connected node-redis client or cluster`);
    const prefix = checked.prefix ?? 'token-guard:dpop:';
    if (typeof prefix !== 'string') throw invalidArgType(`${NAME}: options.prefix must be a string`);
    this.#client = checked.client;
    this.#prefix = prefix;
    this.#timeoutMs = checkTimeout(NAME, checked.timeoutMs);
  }

  /** See {@link ReplayStore.seen}. */
  async seen(jti: string, expiresAt: number): Promise<boolean> {
    const key = this.#prefix + (jti.length <= 64 ? jti : createHash('sha256').update(jti).digest('base64url'));
    const answer = await withTimeout(this.#client.eval(REMEMBER, { keys: [key], arguments: [String(Math.ceil(expiresAt))] }), this.#timeoutMs, NAME);
    return answer === null;
  }
}
