import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { UnauthorizedError, type OAuthClientProvider, type OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { startExample } from '../helpers/example-process.js';
import { REFUSED, answerCurlLines, exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';
import { freePort } from '../helpers/free-port.js';

const SERVER = join(__dirname, '../../examples/mcp-server/server.mjs');
const STAND_IN = { AUTHORIZATION_SERVER: undefined, PUBLIC_ORIGIN: undefined };
/** The one curl line the CURL pattern cannot read: a POST with a body. */
const TOOL_CALL = /^A valid token calling the whoami tool \(200\):\n {2}curl -i -H 'Authorization: Bearer (\S+)' -H 'Content-Type: application\/json' -d '([^']+)' (\S+)$/m;
const WHOAMI_RESULT = {
  content: [{ type: 'text', text: '{"subject":"alice","scopes":["mcp:tools"]}' }],
  structuredContent: { subject: 'alice', scopes: ['mcp:tools'] },
};

/** An MCP client's OAuth side that records what the SDK hands it, and never has a token. */
class RecordingProvider implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:1/callback';
  readonly clientMetadata: OAuthClientMetadata = {
    client_name: 'mcp-server.test',
    redirect_uris: [this.redirectUrl],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  registered: OAuthClientInformationMixed | undefined;
  discovered: OAuthDiscoveryState | undefined;
  verifier: string | undefined;
  authorizationUrl: URL | undefined;

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.registered;
  }
  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.registered = information;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovered = state;
  }
  tokens(): undefined {
    return undefined;
  }
  saveTokens(): void {
    throw new Error('the stand-in authorization server issues no tokens');
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier as string;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
}

describe('examples/mcp-server (npm run start:mcp)', () => {
  const example = exampleUnderTest(SERVER, { env: STAND_IN });
  let origin: string;
  let token: string;
  let metadataUrl: string;

  beforeAll(() => {
    const [, valid, , url] = TOOL_CALL.exec(example.output) as RegExpExecArray;
    token = valid as string;
    origin = new URL(url as string).origin;
    metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${origin}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });

  it('prints curl lines whose outcomes are what they say', async () => {
    expect(example.output.split('\n')[0]).toBe(
      `express-token-guard MCP server at ${origin}/mcp (authorization server ${origin}/as, a stand-in that issues no tokens)`,
    );
    const invalid = 'error="invalid_token", error_description="The access token is invalid or has expired"';
    const scope = 'error="insufficient_scope", error_description="The access token does not carry the scope this request requires", scope="mcp:tools"';
    expect(await answerCurlLines(example.output)).toEqual([
      ['Its protected resource metadata', 200, 200, null, expect.objectContaining({ resource: `${origin}/mcp` })],
      ["The stand-in authorization server's metadata", 200, 200, null, expect.objectContaining({ issuer: `${origin}/as` })],
      ['A token issued for another resource', 401, 401, `Bearer realm="mcp", ${invalid}, resource_metadata="${metadataUrl}"`, REFUSED.invalidToken[1]],
      ['A token without the mcp:tools scope', 403, 403, `Bearer realm="mcp", ${scope}, resource_metadata="${metadataUrl}"`, REFUSED.insufficientScope('mcp:tools')[1]],
      ['No token', 401, 401, `Bearer realm="mcp", resource_metadata="${metadataUrl}"`, REFUSED.noToken[1]],
    ]);
    const [, , body] = TOOL_CALL.exec(example.output) as RegExpExecArray;
    const res = await post(body as string, { Authorization: `Bearer ${token}` });
    expect([res.status, await res.json()]).toEqual([200, { jsonrpc: '2.0', id: 1, result: WHOAMI_RESULT }]);
  });

  it('answers a POST without a token with 401 and a challenge that names its protected resource metadata (RFC 9728 §5.1)', async () => {
    const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    expect([res.status, res.headers.get('www-authenticate'), await res.json()]).toEqual([
      401,
      `Bearer realm="mcp", resource_metadata="${metadataUrl}"`,
      REFUSED.noToken[1],
    ]);
  });

  it("leads the MCP SDK's client from that 401 through discovery and registration to the authorization request", async () => {
    const requests: string[] = [];
    const recordingFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const res = await fetch(url, init);
      requests.push(`${init?.method ?? 'GET'} ${String(url)} ${res.status}`);
      return res;
    };
    const provider = new RecordingProvider();
    const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { authProvider: provider, fetch: recordingFetch });
    const client = new Client({ name: 'mcp-server.test', version: '1.0.0' });

    await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);

    expect(requests).toEqual([
      `POST ${origin}/mcp 401`,
      `GET ${metadataUrl} 200`,
      `GET ${origin}/.well-known/oauth-authorization-server/as 200`,
      `POST ${origin}/as/register 201`,
    ]);
    expect(provider.discovered).toEqual({
      authorizationServerUrl: `${origin}/as`,
      resourceMetadataUrl: metadataUrl,
      resourceMetadata: {
        resource: `${origin}/mcp`,
        authorization_servers: [`${origin}/as`],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
        resource_name: 'express-token-guard MCP example',
      },
      authorizationServerMetadata: {
        issuer: `${origin}/as`,
        authorization_endpoint: `${origin}/as/authorize`,
        token_endpoint: `${origin}/as/token`,
        registration_endpoint: `${origin}/as/register`,
        scopes_supported: ['mcp:tools'],
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
      },
    });
    const clientId = provider.registered?.client_id as string;
    expect(provider.registered).toEqual({
      client_id: clientId,
      client_id_issued_at: expect.any(Number),
      redirect_uris: [provider.redirectUrl],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      client_name: 'mcp-server.test',
      scope: 'mcp:tools',
      issuer: `${origin}/as`,
    });
    expect(clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const url = provider.authorizationUrl as URL;
    expect(`${url.origin}${url.pathname}`).toBe(`${origin}/as/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: clientId,
      code_challenge: createHash('sha256').update(provider.verifier as string).digest('base64url'),
      code_challenge_method: 'S256',
      redirect_uri: provider.redirectUrl,
      scope: 'mcp:tools',
      // RFC 8707: the token is to be issued for this resource, exactly as its metadata names it.
      resource: `${origin}/mcp`,
    });
    await client.close();
  });

  it("serves the MCP SDK's client with a token: initialize, tools/list and a whoami call", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    const client = new Client({ name: 'mcp-server.test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect([client.getServerVersion(), client.getServerCapabilities()]).toEqual([{ name: 'express-token-guard-mcp-example', version: '1.0.0' }, { tools: {} }]);
      expect(await client.listTools()).toEqual({
        tools: [
          {
            name: 'whoami',
            title: 'Who am I',
            description: 'The subject and scopes of the access token this request carried.',
            inputSchema: { type: 'object', properties: {} },
            outputSchema: {
              type: 'object',
              properties: { subject: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } } },
              required: ['subject', 'scopes'],
            },
          },
        ],
      });
      expect(await client.callTool({ name: 'whoami', arguments: {} })).toEqual(WHOAMI_RESULT);
    } finally {
      await client.close();
    }
  });

  it.each<[string, string, Record<string, string>, number, unknown]>([
    ['a notification: 202, no body', '{"jsonrpc":"2.0","method":"notifications/initialized"}', {}, 202, ''],
    [
      'another protocol version: 400',
      '{"jsonrpc":"2.0","id":1,"method":"ping"}',
      { 'MCP-Protocol-Version': '2025-03-26' },
      400,
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Unsupported MCP-Protocol-Version: 2025-03-26 (this server speaks 2025-06-18)' } },
    ],
    ['a page from another origin: 403', '{"jsonrpc":"2.0","id":1,"method":"ping"}', { Origin: 'http://evil.example' }, 403, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Forbidden Origin: http://evil.example' } }],
    ['a batch: 400', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', {}, 400, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: send one JSON-RPC 2.0 request or notification as application/json' } }],
    ['broken JSON: 400', '{"jsonrpc":', {}, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }],
    ['an unknown method', '{"jsonrpc":"2.0","id":7,"method":"prompts/list"}', {}, 200, { jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'Method not found: prompts/list' } }],
    ['an unknown tool', '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"sudo"}}', {}, 200, { jsonrpc: '2.0', id: 8, error: { code: -32602, message: 'Unknown tool: sudo' } }],
    ['ping', '{"jsonrpc":"2.0","id":9,"method":"ping"}', { 'MCP-Protocol-Version': '2025-06-18' }, 200, { jsonrpc: '2.0', id: 9, result: {} }],
  ])('answers %s', async (_what, body, headers, status, answer) => {
    const res = await post(body, { Authorization: `Bearer ${token}`, ...headers });
    const text = await res.text();
    expect([res.status, text === '' ? '' : JSON.parse(text)]).toEqual([status, answer]);
  });

  it('answers GET and DELETE with a token with 405, Allow: POST (no event stream, no session)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${origin}/mcp`, { method, headers: { Authorization: `Bearer ${token}` } });
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, 'POST']);
    }
  });

  it('has a stand-in authorization server that registers only clients with redirect URIs, and issues nothing', async () => {
    const register = await fetch(`${origin}/as/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"client_name":"x"}' });
    expect([register.status, await register.json()]).toEqual([400, { error: 'invalid_redirect_uri', error_description: 'redirect_uris must be a non-empty array of URLs' }]);
    const authorize = await fetch(`${origin}/as/authorize?response_type=code`);
    expect([authorize.status, await authorize.text()]).toEqual([
      501,
      'This stand-in authorization server only serves discovery and registration: it issues no tokens. Use a demo token printed at start, or set AUTHORIZATION_SERVER.\n',
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });
});

describe('examples/mcp-server with AUTHORIZATION_SERVER and PUBLIC_ORIGIN', () => {
  it('names that authorization server, builds the resource from that origin, and serves no stand-in', async () => {
    const port = await freePort();
    const env = { PORT: String(port), PUBLIC_ORIGIN: 'https://mcp.example.com', AUTHORIZATION_SERVER: 'https://as.example.com' };
    const { child, output } = await startExample(SERVER, { env });
    try {
      expect(output.split('\n')[0]).toBe('express-token-guard MCP server at https://mcp.example.com/mcp (authorization server https://as.example.com)');
      const metadata = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`);
      expect(await metadata.json()).toEqual({
        resource: 'https://mcp.example.com/mcp',
        authorization_servers: ['https://as.example.com'],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
        resource_name: 'express-token-guard MCP example',
      });
      const standIn = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server/as`);
      expect(standIn.status).toBe(404);
      const challenge = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'POST' });
      expect(challenge.headers.get('www-authenticate')).toBe('Bearer realm="mcp", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"');
    } finally {
      await stopExample(child);
    }
  });

  it.each([
    [{ PUBLIC_ORIGIN: 'https://mcp.example.com/' }, [], 'PUBLIC_ORIGIN must be an origin such as https://mcp.example.com (no path, no trailing slash), not "https://mcp.example.com/"'],
    [{ PUBLIC_ORIGIN: 'http://mcp.example.com' }, [], 'protectedResourceMetadata: options.resource must be an https URL (http only on localhost, 127.0.0.1 or [::1]), not "http://mcp.example.com/mcp"'],
    [{ AUTHORIZATION_SERVER: 'http://as.example.com' }, [], 'protectedResourceMetadata: options.authorizationServers[0] must be an https URL (http only on localhost, 127.0.0.1 or [::1]), not "http://as.example.com"'],
    [{}, ['--port', '3000'], "Unknown option '--port'"],
  ])('refuses %j %j with a message and exit status 2', (env, args, message) => {
    const [status, first] = refusal(SERVER, { args, env: { ...STAND_IN, ...env } });
    expect([status, first]).toEqual([2, message]);
  });
});
