// @ts-check
// One benchmark server: `node bench/server.mjs <variant> [--redis-url URL] [--postgres-url URL]`, run by
// bench/run.mjs with an IPC channel. Every variant answers GET /items with the same tiny JSON body and
// is set up as its own documentation shows; they differ only in the check in front of the route.
// Over IPC it says { type: 'listening', port } once it serves, and answers { type: 'snapshot', id }
// with its CPU time and the number of requests it has received, so that the runner can charge CPU
// time to exactly one load slice. It exits when the channel closes: it never outlives the runner.
import { subscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import express from 'express';
import * as guard from 'express-token-guard';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';
import { expressjwt } from 'express-jwt';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { JWT, REQUIRED_SCOPE, benchRecords, handwrittenMiddleware, handwrittenScope } from './fixtures.mjs';

/** @typedef {import('express').RequestHandler} Handler */
/** @typedef {import('express').ErrorRequestHandler} ErrorHandler */
/** @typedef {{ use?: Handler[], route?: Handler[], errors?: ErrorHandler[] }} Setup */
/** @typedef {{ 'redis-url'?: string, 'postgres-url'?: string, baseline?: string }} Backends */

const { MemoryTokenStore, cachedStore } = guard;

/**
 * The guard as its README's quick start sets it up: app-wide with `sendErrors: true`, `requireScopes`
 * on the route, `authErrorHandler` last (for the AuthErrors handlers throw). With `viaNext`, refusals
 * go through Express's error routing to `authErrorHandler` instead (the default of `sendErrors`).
 * @param {import('express-token-guard').TokenStore} store
 * @param {boolean} [viaNext]
 * @param {typeof guard} [build] the package: this checkout's, or the baseline's
 * @returns {Setup}
 */
const guarded = (store, viaNext = false, build = guard) => ({
  use: [build.tokenGuard({ store, sendErrors: !viaNext })],
  route: [build.requireScopes(REQUIRED_SCOPE)],
  errors: [build.authErrorHandler()],
});

/** @param {Backends} backends */
async function redisClient(backends) {
  const { createClient } = await import('redis');
  const client = createClient({ url: required(backends['redis-url'], '--redis-url') });
  client.on('error', (/** @type {Error} */ error) => console.error('redis:', error.message));
  await client.connect();
  return client;
}

/** @param {Backends} backends */
async function postgresPool(backends) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: required(backends['postgres-url'], '--postgres-url'), connectionTimeoutMillis: 2000 });
  pool.on('error', (error) => console.error('postgres:', error.message));
  return pool;
}

/**
 * `cachedStore` as a multi-instance deployment runs it: with its invalidation bus, serving once the
 * bus is connected (before that, the cache is bypassed).
 * @param {import('express-token-guard').TokenStore} store
 * @param {import('express-token-guard').InvalidationBus} invalidations
 */
async function cached(store, invalidations) {
  const cache = cachedStore(store, { invalidations });
  await new Promise((resolve) => invalidations.subscribe({ onInvalidation: () => undefined, onConnectionChange: (up) => up && resolve(undefined) }));
  return cache;
}

/** @type {Record<string, (backends: Backends) => Setup | Promise<Setup>>} */
const variants = {
  bare: () => ({}),
  // What any middleware costs Express, before it does anything (not in the default set).
  noop: () => ({ use: [(_req, _res, next) => next()] }),
  handwritten: () => ({ use: [handwrittenMiddleware()], route: [handwrittenScope(REQUIRED_SCOPE)] }),
  'guard-memory': () => guarded(new MemoryTokenStore(benchRecords)),
  'guard-memory-next': () => guarded(new MemoryTokenStore(benchRecords), true),
  // guard-memory with a subscriber on each of the package's diagnostics channels (not in the default set).
  'guard-memory-subscribed'() {
    let messages = 0;
    for (const name of Object.values(guard.CHANNELS)) subscribe(name, () => void messages++);
    return guarded(new MemoryTokenStore(benchRecords));
  },
  // guard-memory as another checkout built it (bench/run.mjs --baseline DIR).
  async 'guard-memory-baseline'(backends) {
    /** @type {typeof guard} */
    const build = await import(pathToFileURL(join(required(backends.baseline, '--baseline'), 'dist/esm/index.js')).href);
    return guarded(new build.MemoryTokenStore(benchRecords), false, build);
  },
  async 'guard-cached-redis'(backends) {
    const { RedisTokenStore, redisInvalidations } = await import('express-token-guard/redis');
    const client = await redisClient(backends);
    return guarded(await cached(new RedisTokenStore({ client }), redisInvalidations({ client })));
  },
  async 'guard-cached-postgres'(backends) {
    const { PostgresTokenStore, postgresInvalidations } = await import('express-token-guard/postgres');
    const pool = await postgresPool(backends);
    const store = new PostgresTokenStore({ pool });
    await store.migrate();
    return guarded(await cached(store, postgresInvalidations({ pool })));
  },
  async 'guard-redis'(backends) {
    const { RedisTokenStore } = await import('express-token-guard/redis');
    return guarded(new RedisTokenStore({ client: await redisClient(backends) }));
  },
  // passport-http-bearer's README: a verify callback that finds the token's user, the scope as `info`,
  // `session: false`; the scope check is the application's, in a route middleware.
  passport() {
    const tokens = new Map(benchRecords.map((record) => [record.accessTokenHash, record]));
    passport.use(
      new BearerStrategy((token, done) => {
        const record = tokens.get(guard.hashToken(token));
        if (record === undefined || record.accessTokenExpiresAt <= Date.now()) return done(null, false);
        return done(null, { subject: record.subject }, { scope: record.scopes, message: '' });
      }),
    );
    /** @param {import('express').Request} req @param {import('express').Response} res @param {import('express').NextFunction} next */
    function requireScope(req, res, next) {
      const granted = /** @type {{ scope?: string[] } | undefined} */ (req.authInfo)?.scope ?? [];
      if (granted.includes(REQUIRED_SCOPE)) next();
      else res.sendStatus(403);
    }
    return { route: [passport.authenticate('bearer', { session: false }), requireScope] };
  },
  // express-oauth2-jwt-bearer's README for HS256; it raises errors with status and headers, which a small
  // handler renders (Express's default one would also log each of them to stderr).
  'oauth2-jwt-bearer': () => ({
    use: [auth({ issuer: JWT.issuer, audience: JWT.audience, secret: JWT.secret, tokenSigningAlg: 'HS256' })],
    route: [requiredScopes(REQUIRED_SCOPE)],
    errors: [
      (error, _req, res, next) => {
        if (typeof error?.status === 'number') res.status(error.status).set(error.headers).json({ error: error.code });
        else next(error);
      },
    ],
  }),
  // express-jwt's README: HS256 with audience and issuer, the application's own check of the payload on
  // the route, and its error handler for UnauthorizedError.
  'express-jwt': () => ({
    use: [expressjwt({ secret: JWT.secret, algorithms: ['HS256'], audience: JWT.audience, issuer: JWT.issuer })],
    route: [
      (req, res, next) => {
        const scope = /** @type {{ auth?: { scope?: unknown } }} */ (req).auth?.scope;
        if (typeof scope === 'string' && scope.split(' ').includes(REQUIRED_SCOPE)) next();
        else res.sendStatus(403);
      },
    ],
    errors: [
      (error, _req, res, next) => {
        if (error?.name === 'UnauthorizedError') res.status(401).send('invalid token...');
        else next(error);
      },
    ],
  }),
};

/**
 * @param {string | undefined} value
 * @param {string} name
 */
function required(value, name) {
  if (value === undefined) throw new Error(`${name} is required by this variant`);
  return value;
}

/** @param {unknown} message */
function send(message) {
  if (process.send === undefined) throw new Error('bench/server.mjs runs under bench/run.mjs, with an IPC channel');
  process.send(message);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'redis-url': { type: 'string' }, 'postgres-url': { type: 'string' }, baseline: { type: 'string' } },
});
const variant = positionals[0] ?? '';
const setup = variants[variant];
if (setup === undefined) {
  console.error(`variant must be one of ${Object.keys(variants).join(', ')}, not "${variant}"`);
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => process.exit(0));

const { use = [], route = [], errors = [] } = await setup(values);
const app = express();
for (const middleware of use) app.use(middleware);
app.get('/items', ...route, (_req, res) => {
  res.json({ items: [] });
});
for (const handler of errors) app.use(handler);

let requests = 0;
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  send({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
});
server.on('request', () => requests++);
process.on('message', (/** @type {{ type?: string, id?: number }} */ message) => {
  if (message.type !== 'snapshot') return;
  const { user, system } = process.cpuUsage();
  send({ type: 'snapshot', id: message.id, cpuMicros: user + system, requests });
});
