// @ts-check
// Refusals as RFC 9457 problem details: an error handler of the application's own that renders every
// AuthError as application/problem+json { type, title, status, detail }, with the challenge headers the
// guard put on the error (WWW-Authenticate, Cache-Control: no-store). Fresh demo tokens at each start.
//   node examples/problem-json/server.mjs
// The API accepts DPoP-bound tokens (RFC 9449) besides Bearer ones, so every refusal carries two challenges,
// Bearer and DPoP: err.headers['WWW-Authenticate'] is then an array, and each becomes a header line of its own.
import { STATUS_CODES } from 'node:http';
import express from 'express';
import { MemoryTokenStore, isAuthError, requireScopes, tokenGuard } from 'express-token-guard';
import { demoTokens } from '../shared/demo-api.mjs';
import { closeOnSignal, curl, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

parseCommandLine('node examples/problem-json/server.mjs');
const address = listenAddress();
const { tokens, records } = demoTokens();
const store = new MemoryTokenStore(records);

// Where the API documents its problem types: one per error code of a challenge (RFC 6750, 9449, 9470).
const PROBLEM_TYPES = 'https://api.example.com/problems/';
/** @type {Record<string, string>} */
const TITLES = {
  invalid_request: 'Invalid request',
  invalid_token: 'Invalid access token',
  insufficient_scope: 'Insufficient scope',
  insufficient_user_authentication: 'Insufficient user authentication',
  invalid_dpop_proof: 'Invalid DPoP proof',
  use_dpop_nonce: 'DPoP nonce required',
};

/**
 * Answers an AuthError with its status, its headers and a problem details body; passes anything else on.
 * A challenge without an error code (no credentials, a store that is down) is the problem type
 * about:blank, whose title is the status's own (RFC 9457 §4.2.1). The detail is the error's message: a
 * fixed sentence, never the token.
 * @param {unknown} error
 * @param {express.Request} _req
 * @param {express.Response} res
 * @param {express.NextFunction} next
 */
function problemJsonHandler(error, _req, res, next) {
  if (!isAuthError(error) || res.headersSent) {
    next(error);
    return;
  }
  // The guard has set these on the response already; from the error too, so that this handler does not rely
  // on it. setHeader takes a string or an array of strings: the two challenges stay two header lines.
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const { status, message: detail } = error;
  const problem =
    error.error === undefined
      ? { type: 'about:blank', title: STATUS_CODES[status], status, detail }
      : { type: `${PROBLEM_TYPES}${error.error}`, title: TITLES[error.error], status, detail };
  // A Buffer, so that Express keeps this Content-Type as it is: for a string it would add a charset.
  res.status(status).type('application/problem+json').send(Buffer.from(JSON.stringify(problem)));
}

const app = express();
const server = listen(app, address, (origin) => {
  // Without sendErrors, refusals go to next(err), and so to problemJsonHandler.
  app.use('/api', tokenGuard({ store, realm: 'example', dpop: { origin } }));
  app.get('/api/items', requireScopes('items:read'), (req, res) => {
    res.json({ subject: req.auth?.subject, items: [{ id: 1, name: 'first item' }] });
  });
  app.use(problemJsonHandler);

  const url = `${origin}/api/items`;
  console.log(`express-token-guard problem+json demo listening on ${url}\n`);
  console.log(`A valid token (200):\n${curl(url, tokens.valid)}\n`);
  console.log(`A malformed Authorization header (400 invalid_request):\n${curl(url, 'not one token')}\n`);
  console.log(`An expired token (401 invalid_token):\n${curl(url, tokens.expired)}\n`);
  console.log(`A token without the items:read scope (403 insufficient_scope):\n${curl(url, tokens.readOnly)}\n`);
  console.log(`No token (401):\n${curl(url)}\n`);
});
closeOnSignal(server);
