import type { AuthInfo } from '../core/auth-info.js';
import type { AuthError } from '../core/errors.js';
import { isThenable } from '../core/thenable.js';
import { cacheChannel, requestChannel, storeChannel, type CacheMessage, type RequestMessage, type StoreMessage } from './index.js';

/** Publishes one decision on `express-token-guard:request`, when someone listens. */
export function publishDecision(info: AuthInfo | undefined, error: AuthError | undefined): void {
  if (!requestChannel.hasSubscribers) return;
  let message: RequestMessage;
  if (error !== undefined) {
    message = { outcome: 'refused', status: error.status, reason: error.reason, code: error.code };
  } else {
    message = {
      outcome: 'accepted',
      status: 200,
      reason: info === undefined ? 'no_credentials' : 'accepted',
      ...(info?.subject === undefined ? {} : { subject: info.subject }),
      ...(info?.clientId === undefined ? {} : { clientId: info.clientId }),
    };
  }
  requestChannel.publish(message);
}

/** Publishes one cache event on `express-token-guard:cache`, when someone listens. */
export function publishCacheEvent(event: CacheMessage['event']): void {
  if (cacheChannel.hasSubscribers) cacheChannel.publish({ event });
}

/**
 * Runs one store lookup, publishing on `express-token-guard:store` how long it took and what it found
 * (`hash` only when given). Answers as the lookup does: synchronously, a Promise, or a throw.
 */
export function timedLookup<T>(store: string, hash: string | undefined, lookup: () => T | PromiseLike<T>): T | PromiseLike<T> {
  const start = performance.now();
  const publish = (outcome: StoreMessage['outcome']) =>
    storeChannel.publish({ store, durationMs: performance.now() - start, outcome, ...(hash === undefined ? {} : { hash }) } satisfies StoreMessage);
  let result: T | PromiseLike<T>;
  try {
    result = lookup();
  } catch (error) {
    publish('error');
    throw error;
  }
  if (!isThenable(result)) {
    publish(result === undefined || result === null ? 'not_found' : 'found');
    return result;
  }
  return Promise.resolve(result).then(
    (found) => {
      publish(found === undefined || found === null ? 'not_found' : 'found');
      return found;
    },
    (error: unknown) => {
      publish('error');
      throw error;
    },
  );
}
