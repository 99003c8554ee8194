// @ts-check
// OpenTelemetry spans for express-token-guard's store lookups, made from its diagnostics channel: copy this
// file into an application that already has a tracer provider.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { SpanStatusCode, context } from '@opentelemetry/api';
import { CHANNELS } from 'express-token-guard';

/** The name of every span {@link traceStoreLookups} makes. */
export const STORE_SPAN_NAME = 'token-store lookup';

/**
 * Makes a span with `tracer` for every lookup that reached a store, until the returned function is called.
 * The channel publishes once the lookup is over, so the span starts `durationMs` before the message and ends
 * at once. It is made in the active context: the child of the request's span when the application traces
 * its requests (an HTTP instrumentation and a context manager), a root span otherwise. Attributes:
 * `token_store.name` (the store's class name), `token_store.outcome` (`found`, `not_found`, `error`; an
 * error also sets the span's status) and `token_store.duration_ms`. Never the hash, even when the guard
 * publishes it (`includeHash: true`).
 * @param {import('@opentelemetry/api').Tracer} tracer
 * @returns {() => void} stops making spans
 */
export function traceStoreLookups(tracer) {
  /** @param {unknown} message */
  function onStoreLookup(message) {
    const { store, outcome, durationMs } = /** @type {import('express-token-guard').StoreMessage} */ (message);
    // Both times are performance.now() readings, as durationMs is: the SDK maps them onto the wall clock.
    const end = performance.now();
    const span = tracer.startSpan(
      STORE_SPAN_NAME,
      {
        startTime: end - durationMs,
        attributes: { 'token_store.name': store, 'token_store.outcome': outcome, 'token_store.duration_ms': durationMs },
      },
      context.active(),
    );
    if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: 'the token store failed' });
    span.end(end);
  }
  subscribe(CHANNELS.store, onStoreLookup);
  return function stopTracingStoreLookups() {
    unsubscribe(CHANNELS.store, onStoreLookup);
  };
}
