// @ts-check
// An MCP server protected by express-token-guard: `npm run start:mcp`. It speaks the Model Context Protocol's
// Streamable HTTP transport (2025-06-18) in its plainest form: JSON-RPC 2.0 POSTed to /mcp, each answer one
// application/json body, no session and no event stream. It answers initialize, ping, tools/list and tools/call
// for one tool, whoami. The guard's 401 names the protected resource metadata (RFC 9728), from which an MCP
// client learns the authorization server and the scope to ask for.
//
// Environment: PORT (0: any free port), HOST, PUBLIC_ORIGIN (the origin clients reach it at, e.g. behind a tunnel;
// default the listening one) and AUTHORIZATION_SERVER (the issuer of its tokens).
//
// Without AUTHORIZATION_SERVER it also serves a stand-in authorization server at /as, which exists only so that
// the example runs alone: its RFC 8414 metadata and an RFC 7591 registration endpoint, enough for an MCP client's
// discovery to reach the authorization request. It issues no tokens: use the demo tokens printed at start.
import { randomBytes, randomUUID } from 'node:crypto';
import express from 'express';
import { MemoryTokenStore, authErrorHandler, hashToken, protectedResourceMetadata, protectedResourceMetadataUrl, tokenGuard } from 'express-token-guard';
import { closeOnSignal, curl, listen, listenAddress, parseCommandLine } from '../shared/server.mjs';

const PROTOCOL_VERSION = '2025-06-18';
const SCOPE = 'mcp:tools';
const STAND_IN_PATH = '/as';
const WHOAMI = {
  name: 'whoami',
  title: 'Who am I',
  description: 'The subject and scopes of the access token this request carried.',
  inputSchema: { type: 'object', properties: {} },
  outputSchema: {
    type: 'object',
    properties: { subject: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } } },
    required: ['subject', 'scopes'],
  },
};

parseCommandLine('node examples/mcp-server/server.mjs (it takes no arguments; see PORT, HOST, PUBLIC_ORIGIN, AUTHORIZATION_SERVER)');
const address = listenAddress();
const { PUBLIC_ORIGIN: publicOrigin, AUTHORIZATION_SERVER: authorizationServer } = process.env;
if (publicOrigin !== undefined && !(URL.canParse(publicOrigin) && new URL(publicOrigin).origin === publicOrigin)) {
  console.error(`PUBLIC_ORIGIN must be an origin such as https://mcp.example.com (no path, no trailing slash), not "${publicOrigin}"`);
  process.exit(2);
}

const hour = 60 * 60 * 1000;
const newToken = () => randomBytes(32).toString('base64url');
const tokens = { valid: newToken(), otherResource: newToken(), noScope: newToken() };

/** The demo tokens' records: `audience` is what the authorization server put in `aud` (RFC 8707 `resource`). */
function records(/** @type {string} */ resource) {
  const expiresAt = Date.now() + hour;
  /** @param {string} token @param {number} clientId @param {string} subject @param {string[]} scopes @param {string} audience */
  const record = (token, clientId, subject, scopes, audience) => ({
    accessTokenHash: hashToken(token),
    accessTokenExpiresAt: expiresAt,
    clientId,
    subject,
    scopes,
    audience: [audience],
  });
  return [
    record(tokens.valid, 1001, 'alice', [SCOPE], resource),
    record(tokens.otherResource, 1001, 'alice', [SCOPE], 'https://other.example.com/mcp'),
    record(tokens.noScope, 1002, 'bob', ['profile'], resource),
  ];
}

/**
 * @param {unknown} id
 * @param {number} code
 * @param {string} message
 */
const rpcError = (id, code, message) => ({ jsonrpc: '2.0', id, error: { code, message } });

/**
 * The answer to one JSON-RPC request.
 * @param {{ id: unknown, method: string, params?: { name?: unknown } }} request
 * @param {import('express-token-guard').AuthInfo} auth
 */
function answer({ id, method, params }, auth) {
  const result = (/** @type {object} */ value) => ({ jsonrpc: '2.0', id, result: value });
  switch (method) {
    case 'initialize':
      // The one version this server speaks: the client decides whether it speaks it too.
      return result({ protocolVersion: PROTOCOL_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'express-token-guard-mcp-example', version: '1.0.0' } });
    case 'ping':
      return result({});
    case 'tools/list':
      return result({ tools: [WHOAMI] });
    case 'tools/call': {
      if (params?.name !== WHOAMI.name) return rpcError(id, -32602, `Unknown tool: ${String(params?.name)}`);
      const whoami = { subject: auth.subject ?? '', scopes: auth.scopes };
      // The text block repeats the structured result for clients older than structuredContent.
      return result({ content: [{ type: 'text', text: JSON.stringify(whoami) }], structuredContent: whoami });
    }
    default:
      return rpcError(id, -32601, `Method not found: ${method}`);
  }
}

/**
 * POST /mcp, after the guard.
 * @param {import('express').Request} req
 * @param {import('express').Response} res
 */
function mcpEndpoint(req, res) {
  const version = req.get('MCP-Protocol-Version');
  const message = req.body;
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    res.status(400).json(rpcError(null, -32600, `Unsupported MCP-Protocol-Version: ${version} (this server speaks ${PROTOCOL_VERSION})`));
  } else if (typeof message !== 'object' || message === null || Array.isArray(message) || message.jsonrpc !== '2.0' || typeof message.method !== 'string') {
    // 2025-06-18 has no batches; a JSON-RPC response is never due, as this server sends no requests.
    res.status(400).json(rpcError(null, -32600, 'Invalid Request: send one JSON-RPC 2.0 request or notification as application/json'));
  } else if (!('id' in message)) {
    res.status(202).end();
  } else {
    res.json(answer(message, /** @type {import('express-token-guard').AuthInfo} */ (req.auth)));
  }
}

/**
 * @param {{ type?: unknown } | undefined} error
 * @param {import('express').Request} _req
 * @param {import('express').Response} res
 * @param {import('express').NextFunction} next
 */
function jsonRpcParseErrorHandler(error, _req, res, next) {
  if (error?.type === 'entity.parse.failed') res.status(400).json(rpcError(null, -32700, 'Parse error'));
  else next(error);
}

/** The stand-in authorization server (see the header): discovery and registration, nothing else. */
function standInAuthorizationServer(/** @type {string} */ issuer) {
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/register`,
    scopes_supported: [SCOPE],
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
  };
  const router = express.Router();
  // RFC 8414 §3.1: for an issuer with a path, the well-known segment goes before it.
  router.get(`/.well-known/oauth-authorization-server${STAND_IN_PATH}`, (_req, res) => {
    res.json(metadata);
  });
  router.post(`${STAND_IN_PATH}/register`, express.json(), (req, res) => {
    const { redirect_uris: redirectUris, client_name: clientName, scope } = req.body ?? {};
    if (!Array.isArray(redirectUris) || redirectUris.length === 0 || !redirectUris.every((uri) => typeof uri === 'string' && URL.canParse(uri))) {
      res.status(400).json({ error: 'invalid_redirect_uri', error_description: 'redirect_uris must be a non-empty array of URLs' });
      return;
    }
    // A public client (PKCE, no secret); nothing is kept, as no token is ever issued to it.
    res.status(201).json({
      client_id: randomUUID(),
      client_id_issued_at: Math.floor(Date.now() / 1000),
      redirect_uris: redirectUris,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...(typeof clientName === 'string' ? { client_name: clientName } : {}),
      ...(typeof scope === 'string' ? { scope } : {}),
    });
  });
  router.all([`${STAND_IN_PATH}/authorize`, `${STAND_IN_PATH}/token`], (_req, res) => {
    res.status(501).type('text/plain').send('This stand-in authorization server only serves discovery and registration: it issues no tokens. Use a demo token printed at start, or set AUTHORIZATION_SERVER.\n');
  });
  return router;
}

const app = express();

/**
 * Mounts everything that names the resource, once its origin is known. Throws the package's TypeError when an
 * origin or issuer is not https (loopback excepted).
 */
function mount(/** @type {string} */ origin) {
  const resource = `${origin}/mcp`;
  const issuer = authorizationServer ?? `${origin}${STAND_IN_PATH}`;
  app.use(protectedResourceMetadata({ resource, authorizationServers: [issuer], scopesSupported: [SCOPE], resourceName: 'express-token-guard MCP example' }));
  if (authorizationServer === undefined) app.use(standInAuthorizationServer(issuer));
  const store = new MemoryTokenStore(records(resource));
  app.use('/mcp', function checkOrigin(req, res, next) {
    // The transport's defence against DNS rebinding: a browser page from elsewhere says where it comes from.
    const from = req.get('Origin');
    if (from !== undefined && from !== origin) {
      res.status(403).json(rpcError(null, -32600, `Forbidden Origin: ${from}`));
      return;
    }
    next();
  });
  app.use(
    '/mcp',
    tokenGuard({ store, realm: 'mcp', audience: resource, requiredScopes: [SCOPE], resourceMetadataUrl: protectedResourceMetadataUrl(resource) }),
  );
  app.post('/mcp', express.json(), mcpEndpoint);
  // No server-to-client event stream (GET) and no session to end (DELETE).
  app.all('/mcp', (_req, res) => {
    res.status(405).set('Allow', 'POST').end();
  });
  app.use(authErrorHandler());
  app.use('/mcp', jsonRpcParseErrorHandler);
  return { resource, issuer };
}

const server = listen(app, address, (localOrigin) => {
  const origin = publicOrigin ?? localOrigin;
  /** @type {{ resource: string, issuer: string }} */
  let named;
  try {
    named = mount(origin);
  } catch (error) {
    console.error(/** @type {Error} */ (error).message);
    process.exit(2);
  }
  const { resource, issuer } = named;
  const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: WHOAMI.name, arguments: {} } });
  console.log(`express-token-guard MCP server at ${resource} (authorization server ${issuer}${authorizationServer === undefined ? ', a stand-in that issues no tokens' : ''})\n`);
  console.log(`Its protected resource metadata (200):\n${curl(protectedResourceMetadataUrl(resource))}\n`);
  if (authorizationServer === undefined) {
    console.log(`The stand-in authorization server's metadata (200):\n${curl(`${origin}/.well-known/oauth-authorization-server${STAND_IN_PATH}`)}\n`);
  }
  console.log(`A valid token calling the whoami tool (200):\n  curl -i -H 'Authorization: Bearer ${tokens.valid}' -H 'Content-Type: application/json' -d '${call}' ${resource}\n`);
  console.log(`A token issued for another resource (401 invalid_token):\n${curl(resource, tokens.otherResource)}\n`);
  console.log(`A token without the ${SCOPE} scope (403 insufficient_scope):\n${curl(resource, tokens.noScope)}\n`);
  console.log(`No token (401):\n${curl(resource)}\n`);
});
closeOnSignal(server);
