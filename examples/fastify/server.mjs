// @ts-check
// GET /r on Fastify, guarded by express-token-guard's framework-free core (createAuthorizer) through a
// small plugin: `request.getDecorator('auth')` is the AuthInfo, a refusal is answered with the
// AuthError's status, headers and JSON body, and CORS preflights go through, as with tokenGuard.
//   node examples/fastify/server.mjs
import Fastify from 'fastify';
import { createAuthorizer, isAuthError } from 'express-token-guard/core';
import { GUARD, PREFLIGHT_HEADERS, demoTokens, isPreflight, printCurlLines } from '../shared/framework-demo.mjs';
import { closeOnSignal, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

parseCommandLine('node examples/fastify/server.mjs');
const address = listenAddress();
const { tokens, store } = demoTokens();

/**
 * Guards every route of the context that registers it with `authorizer`.
 * @type {import('fastify').FastifyPluginAsync<{ authorizer: import('express-token-guard/core').Authorizer }>}
 */
async function tokenGuardPlugin(fastify, { authorizer }) {
  fastify.decorateRequest('auth', undefined);
  fastify.addHook('onRequest', async function tokenGuardHook(request, reply) {
    if (isPreflight(request.method, request.headers)) return undefined;
    try {
      const auth = await authorizer.authorize({
        authorization: request.headers.authorization,
        rawHeaders: request.raw.rawHeaders,
        method: request.method,
        target: request.raw.url,
      });
      request.setDecorator('auth', auth);
      return undefined;
    } catch (error) {
      if (!isAuthError(error)) throw error;
      return reply.code(error.status).headers(error.headers).send(error.toJSON());
    }
  });
}
// What the fastify-plugin package does: the hook applies to the routes of the context that registers the plugin.
Object.assign(tokenGuardPlugin, { [Symbol.for('skip-override')]: true });

const app = Fastify();
await app.register(tokenGuardPlugin, { authorizer: createAuthorizer({ store, ...GUARD }) });
app.get('/r', async (request) => ({ subject: request.getDecorator('auth')?.subject }));
app.options('/r', async (_request, reply) => reply.code(204).headers(PREFLIGHT_HEADERS).send());
await app.ready();

listen(app.server, address, (origin) => printCurlLines('Fastify', `${origin}/r`, tokens));
closeOnSignal(app.server);
