import type { Server } from 'node:http';
import request from 'supertest';
import type { CachedTokenStore, Invalidation, InvalidationBus, WritableTokenStore } from '../../src/index.js';
import { guardedApp } from './guarded-app.js';

/** One instance of an API: its cache (with its own client and bus) and its HTTP server. */
export interface Instance {
  name: string;
  store: CachedTokenStore<WritableTokenStore>;
  bus: InvalidationBus;
  server: Server;
}

/** Starts an HTTP server for `GET /r` (scope `read`) on the instance's cache. */
export function serve(name: string, store: CachedTokenStore<WritableTokenStore>, bus: InvalidationBus): Instance {
  return { name, store, bus, server: guardedApp(store).listen(0, '127.0.0.1') };
}

/** What each instance answers to `GET /r` with `token`, as `[name, status]`. */
export async function statuses(instances: Instance[], token: string): Promise<Array<[string, number]>> {
  return Promise.all(
    instances.map(async ({ name, server }) => [name, (await request(server).get('/r').set('Authorization', `Bearer ${token}`)).status] as [string, number]),
  );
}

/** Resolves once `bus` reports `connected` (at once when it already does). */
export function connected(bus: InvalidationBus, want = true): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = bus.subscribe({
      onInvalidation: () => undefined,
      onConnectionChange: (now) => {
        if (now !== want) return;
        queueMicrotask(() => unsubscribe());
        resolve();
      },
    });
  });
}

/**
 * Resolves once every bus has delivered an invalidation matching `match`. The caches subscribed
 * first, so by then each has applied it. Call it before the write, await it after.
 */
export function delivered(buses: InvalidationBus[], match: (invalidation: Invalidation) => boolean): Promise<void> {
  return Promise.all(
    buses.map(
      (bus) =>
        new Promise<void>((resolve) => {
          const unsubscribe = bus.subscribe({
            onInvalidation: (invalidation) => {
              if (!match(invalidation)) return;
              unsubscribe();
              resolve();
            },
            onConnectionChange: () => undefined,
          });
        }),
    ),
  ).then(() => undefined);
}

export const isHash = (hash: string) => (invalidation: Invalidation) => 'hash' in invalidation && invalidation.hash === hash;
