/**
 * What changed, as the caches of every instance learn it: one token (by hash), every token of a
 * subject or of a client, or everything (`all`, e.g. after a `TRUNCATE`).
 */
export type Invalidation =
  | {
      /** The `accessTokenHash` (as {@link hashToken} makes it) of the one record to drop. */
      readonly hash: string;
    }
  | {
      /** Drop every record of this resource owner (`subject`). */
      readonly subject: string;
    }
  | {
      /** Drop every record of this client (its numeric `clientId`). */
      readonly clientId: number;
    }
  | {
      /** Drop every record. */
      readonly all: true;
    };

/** What a bus tells each cache that listens to it. */
export interface InvalidationListener {
  /** An invalidation arrived: drop what it names. */
  onInvalidation(invalidation: Invalidation): void;
  /**
   * `true` once every invalidation published from now on is sure to arrive; `false` when some may
   * have been lost (the connection dropped, or the bus closed). A cache flushes itself and answers
   * from its inner store while the bus is not connected.
   */
  onConnectionChange(connected: boolean): void;
}

/**
 * Carries invalidations between the caches of several instances of an API. `redisInvalidations`
 * (`express-token-guard/redis`) and `postgresInvalidations` (`express-token-guard/postgres`) make
 * one; any object of this shape will do.
 *
 * A bus must report `connected: false` from the moment a message could have been lost until it is
 * sure again that messages arrive: caches rely on it to never serve a record that was revoked while
 * they were not listening.
 */
export interface InvalidationBus {
  /** Whether invalidations published now are sure to reach this bus's listeners. */
  readonly connected: boolean;
  /** Adds a listener; it is told the current connection state at once. Returns what removes it. */
  subscribe(listener: InvalidationListener): () => void;
  /** Sends an invalidation to every bus on the channel, this one included. */
  publish(invalidation: Invalidation): Promise<void>;
  /** Stops listening and tells every listener it is disconnected; never closes the application's client. */
  close(): Promise<void>;
}

/** The wire form of an invalidation, shared by every bus (and the PostgreSQL trigger): `h:<hash>`, `s:<subject>`, `c:<id>`, `*`. */
export function encodeInvalidation(invalidation: Invalidation): string {
  if ('hash' in invalidation) return `h:${invalidation.hash}`;
  if ('subject' in invalidation) return `s:${invalidation.subject}`;
  if ('clientId' in invalidation) return `c:${invalidation.clientId}`;
  return '*';
}

/**
 * Reads a message from the wire. Anything it cannot read means "everything may have changed", so a
 * message from a newer version of the package never leaves a stale entry behind.
 */
export function decodeInvalidation(message: string): Invalidation {
  const value = message.slice(2);
  switch (message.slice(0, 2)) {
    case 'h:':
      return { hash: value };
    case 's:':
      return { subject: value };
    case 'c:': {
      const clientId = Number(value);
      return /^-?\d+$/.test(value) && Number.isSafeInteger(clientId) ? { clientId } : { all: true };
    }
    default:
      return { all: true };
  }
}

/**
 * The listeners of one bus and its connection state: what every bus implementation shares. A
 * listener that throws is not allowed to stop the others from hearing the message.
 */
export class BusListeners {
  readonly #listeners = new Set<InvalidationListener>();
  #connected = false;

  get connected(): boolean {
    return this.#connected;
  }

  subscribe(listener: InvalidationListener): () => void {
    this.#listeners.add(listener);
    listener.onConnectionChange(this.#connected);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Records the connection state and tells the listeners when it changed. */
  setConnected(connected: boolean): void {
    if (connected === this.#connected) return;
    this.#connected = connected;
    for (const listener of [...this.#listeners]) listener.onConnectionChange(connected);
  }

  /** Hands a message from the wire to every listener. */
  deliver(message: string): void {
    const invalidation = decodeInvalidation(message);
    for (const listener of [...this.#listeners]) listener.onInvalidation(invalidation);
  }
}
