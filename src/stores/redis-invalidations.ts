import { randomUUID } from 'node:crypto';
import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import { BusListeners, encodeInvalidation, type Invalidation, type InvalidationBus } from '../cache/invalidation-bus.js';
import { checkStoreOptions } from './store-options.js';

/** The part of a node-redis connection the subscriber uses (what `client.duplicate()` returns). */
export interface RedisSubscriberLike {
  /** Hears the connection come up, go down and try again. */
  on(event: 'ready' | 'end' | 'reconnecting', listener: () => void): unknown;
  /** Hears the connection's errors. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Connects. */
  connect(): Promise<unknown>;
  /** Subscribes `listener` to `channel`. */
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  /** Closes the connection at once. */
  destroy(): unknown;
}

/** The part of a node-redis (5.x or 6.x) client the bus uses: `createClient()`, connected by the application. */
export interface RedisPublisherLike {
  /** Publishes `message` on `channel`. */
  publish(channel: string, message: string): Promise<unknown>;
  /** A new connection with the same options: the bus's subscriber. */
  duplicate(): RedisSubscriberLike;
}

/** Options of {@link redisInvalidations}. */
export interface RedisInvalidationsOptions {
  /** A connected node-redis client: it publishes, and its `duplicate()` is the bus's own subscriber connection. */
  client: RedisPublisherLike;
  /** The pub/sub channel; `RedisTokenStore`'s `channel` must be the same. Default `"token-guard:invalidations"`. */
  channel?: string;
  /** How often the bus checks that its subscription works while it is not connected, in ms. Default 1000. */
  probeIntervalMs?: number;
  /** Called with the subscriber connection's errors (it reconnects by itself). Default: a process warning per outage. */
  onError?: (error: Error) => void;
}

/** The channel a `RedisTokenStore` publishes to and {@link redisInvalidations} listens on unless told otherwise. */
export const DEFAULT_REDIS_CHANNEL = 'token-guard:invalidations';
const NAME = 'redisInvalidations';
const OPTION_NAMES = ['client', 'channel', 'probeIntervalMs', 'onError'];
const PROBE = 'p:';

/**
 * An invalidation bus over Redis pub/sub, for `cachedStore`: every instance that shares a Redis
 * hears what any of them revoked. It subscribes on a connection of its own (`client.duplicate()`)
 * and publishes through `client`.
 *
 * The bus counts as connected only once a probe it published has come back on its own subscription:
 * until then, and from the moment the subscriber connection drops until that is true again, caches
 * listening to it are flushed and bypassed, because messages sent meanwhile are lost. node-redis
 * reconnects and resubscribes by itself.
 *
 * `RedisTokenStore` publishes on this channel after every write (its `channel` option), so tokens
 * written by any instance, the CLI or an importer reach every cache. A key changed with `redis-cli`
 * does not: publish `h:<hash>` on the channel yourself.
 *
 * @example
 * const client = createClient({ url: process.env.REDIS_URL });
 * client.on('error', (error) => console.error('redis:', error.message));
 * await client.connect();
 * const invalidations = redisInvalidations({ client });
 * const store = cachedStore(new RedisTokenStore({ client }), { invalidations });
 */
export function redisInvalidations(options: RedisInvalidationsOptions): InvalidationBus {
  const { client, channel = DEFAULT_REDIS_CHANNEL, probeIntervalMs = 1000, onError } = checkStoreOptions(
    NAME,
    options,
    OPTION_NAMES,
    '{ client }',
  );
  if (typeof client?.publish !== 'function' || typeof client.duplicate !== 'function') {
    throw invalidArgType(`${NAME}: options.client must be a node-redis client (createClient())`);
  }
  if (typeof channel !== 'string' || channel === '') throw invalidArgType(`${NAME}: options.channel must be a non-empty string`);
  if (typeof probeIntervalMs !== 'number') throw invalidArgType(`${NAME}: options.probeIntervalMs must be a number`);
  if (!(probeIntervalMs >= 1 && probeIntervalMs <= 2 ** 31 - 1)) {
    throw invalidArgValue(`${NAME}: options.probeIntervalMs must be a number of ms from 1 to 2^31-1`);
  }
  return new RedisInvalidations(client, channel, probeIntervalMs, onError);
}

class RedisInvalidations implements InvalidationBus {
  readonly #listeners = new BusListeners();
  readonly #client: RedisPublisherLike;
  readonly #subscriber: RedisSubscriberLike;
  readonly #channel: string;
  readonly #probe = `${PROBE}${randomUUID()}`;
  readonly #probeIntervalMs: number;
  readonly #onError: (error: Error) => void;
  #timer: NodeJS.Timeout | undefined;
  #subscribed = false;
  #reported = false;
  #closed = false;

  constructor(client: RedisPublisherLike, channel: string, probeIntervalMs: number, onError: (error: Error) => void) {
    this.#client = client;
    this.#channel = channel;
    this.#probeIntervalMs = probeIntervalMs;
    this.#onError = onError;
    this.#subscriber = client.duplicate();
    this.#subscriber.on('error', (error) => {
      this.#lost();
      if (!this.#reported) {
        this.#reported = true;
        this.#onError(error);
      }
    });
    this.#subscriber.on('reconnecting', () => this.#lost());
    this.#subscriber.on('end', () => this.#lost());
    this.#subscriber.on('ready', () => {
      if (this.#subscribed) this.#startProbing();
    });
    void this.#start();
  }

  get connected(): boolean {
    return this.#listeners.connected;
  }

  subscribe: InvalidationBus['subscribe'] = (listener) => this.#listeners.subscribe(listener);

  async publish(invalidation: Invalidation): Promise<void> {
    await this.#client.publish(this.#channel, encodeInvalidation(invalidation));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#listeners.setConnected(false);
    this.#subscriber.destroy();
  }

  async #start(): Promise<void> {
    try {
      await this.#subscriber.connect();
      await this.#subscriber.subscribe(this.#channel, (message) => this.#receive(message));
      this.#subscribed = true;
      this.#startProbing();
    } catch (error) {
      if (!this.#closed) this.#onError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #receive(message: string): void {
    if (!message.startsWith(PROBE)) {
      this.#listeners.deliver(message);
    } else if (message === this.#probe && !this.#closed) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#reported = false;
      this.#listeners.setConnected(true);
    }
  }

  #lost(): void {
    this.#listeners.setConnected(false);
  }

  /** Publishes the probe now and then every `probeIntervalMs` until it comes back. */
  #startProbing(): void {
    if (this.#closed || this.#timer !== undefined) return;
    const probe = (): void => {
      this.#client.publish(this.#channel, this.#probe).catch(() => undefined);
    };
    this.#timer = setInterval(probe, this.#probeIntervalMs);
    this.#timer.unref();
    probe();
  }
}
