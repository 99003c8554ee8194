// @ts-check
// GET /r on plain node:http, guarded by express-token-guard's framework-free core (createAuthorizer):
// no Express. It frames the decision as tokenGuard does: CORS preflights go through, a refusal is
// answered with the AuthError's status, headers and JSON body.
//   node examples/node-http/server.mjs
import { createServer } from 'node:http';
import { createAuthorizer, isAuthError } from 'express-token-guard/core';
import { GUARD, PREFLIGHT_HEADERS, demoTokens, isPreflight, printCurlLines } from '../shared/framework-demo.mjs';
import { closeOnSignal, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

parseCommandLine('node examples/node-http/server.mjs');
const address = listenAddress();
const { tokens, store } = demoTokens();
const authorizer = createAuthorizer({ store, ...GUARD });

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string | string[]>} [headers]
 */
function sendJson(res, status, body, headers = {}) {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function handleRequest(req, res) {
  if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/r') {
    sendJson(res, 404, { error: 'not_found' });
  } else if (isPreflight(req.method, req.headers)) {
    res.writeHead(204, PREFLIGHT_HEADERS).end();
  } else if (req.method !== 'GET') {
    sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, OPTIONS' });
  } else {
    const auth = await authorizer.authorize({ authorization: req.headers.authorization, rawHeaders: req.rawHeaders, method: req.method, target: req.url });
    sendJson(res, 200, { subject: auth?.subject });
  }
}

const server = createServer(function guardedRequest(req, res) {
  handleRequest(req, res).catch((/** @type {unknown} */ error) => {
    if (isAuthError(error)) {
      sendJson(res, error.status, error.toJSON(), error.headers);
    } else {
      console.error(error);
      sendJson(res, 500, { error: 'server_error' });
    }
  });
});

listen(server, address, (origin) => printCurlLines('node:http', `${origin}/r`, tokens));
closeOnSignal(server);
