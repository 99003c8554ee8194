// @ts-check
// Prometheus metrics for express-token-guard, made from its diagnostics channels: copy this file into an
// application that already serves a prom-client registry.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram } from 'prom-client';
import { CHANNELS } from 'express-token-guard';

/**
 * Registers the guard's metrics on `registry` and keeps them up to date from the channels until the
 * returned function is called.
 * - `token_guard_decisions_total{outcome, reason}`: one per message on `express-token-guard:request`. A
 *   request accepted by the guard and then refused by a route guard (`requireScopes`) counts twice.
 * - `token_guard_store_lookup_duration_seconds{store, outcome}`: every lookup that reached a store.
 * - `token_guard_cache_events_total{event}`: every `cachedStore` event.
 * - `token_guard_cache_hit_ratio`: the share of cached lookups that did not reach the store, (hit +
 *   coalesced) / (hit + coalesced + miss), since this process started. For a ratio over a time window,
 *   compute it in PromQL from `token_guard_cache_events_total` instead.
 * @param {import('prom-client').Registry} registry
 * @returns {() => void} stops listening (the metrics stay registered)
 */
export function tokenGuardMetrics(registry) {
  const decisions = new Counter({
    name: 'token_guard_decisions_total',
    help: 'Decisions of the token guard and its route guards, by outcome and reason.',
    labelNames: /** @type {const} */ (['outcome', 'reason']),
    registers: [registry],
  });
  const lookups = new Histogram({
    name: 'token_guard_store_lookup_duration_seconds',
    help: 'How long the token store took to look a token up, by store and outcome.',
    labelNames: /** @type {const} */ (['store', 'outcome']),
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const cacheEvents = new Counter({
    name: 'token_guard_cache_events_total',
    help: 'Events of the token cache (cachedStore), by event.',
    labelNames: /** @type {const} */ (['event']),
    registers: [registry],
  });
  const answered = { fromCache: 0, total: 0 };
  new Gauge({
    name: 'token_guard_cache_hit_ratio',
    help: 'Share of cached lookups answered without the store, since the process started.',
    registers: [registry],
    collect() {
      if (answered.total > 0) this.set(answered.fromCache / answered.total);
    },
  });

  /** @param {unknown} message */
  function onRequest(message) {
    const { outcome, reason } = /** @type {import('express-token-guard').RequestMessage} */ (message);
    decisions.inc({ outcome, reason });
  }
  /** @param {unknown} message */
  function onStore(message) {
    const { store, outcome, durationMs } = /** @type {import('express-token-guard').StoreMessage} */ (message);
    lookups.observe({ store, outcome }, durationMs / 1000);
  }
  /** @param {unknown} message */
  function onCache(message) {
    const { event } = /** @type {import('express-token-guard').CacheMessage} */ (message);
    cacheEvents.inc({ event });
    if (event === 'hit' || event === 'coalesced' || event === 'miss') {
      answered.total += 1;
      if (event !== 'miss') answered.fromCache += 1;
    }
  }

  subscribe(CHANNELS.request, onRequest);
  subscribe(CHANNELS.store, onStore);
  subscribe(CHANNELS.cache, onCache);
  return function stopTokenGuardMetrics() {
    unsubscribe(CHANNELS.request, onRequest);
    unsubscribe(CHANNELS.store, onStore);
    unsubscribe(CHANNELS.cache, onCache);
  };
}
