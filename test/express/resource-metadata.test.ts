import request from 'supertest';
import {
  MemoryTokenStore,
  authErrorHandler,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  requireAuthLevel,
  requireScopes,
  tokenGuard,
  type ProtectedResourceMetadataOptions,
} from '../../src/index.js';
import { flavours } from '../helpers/apps.js';
import { NOW, T_OK, fixtureRecords } from '../helpers/fixtures.js';

// Protected resource metadata (RFC 9728): rows P-01 to P-05, P-07 to P-09 and X-01.

const RESOURCE = 'https://rs.example/v1';
const AS = 'https://as.example';
const METADATA_URL = 'https://rs.example/.well-known/oauth-protected-resource/v1';

describe.each(flavours)('protectedResourceMetadata on $name', ({ express }) => {
  function appWith(options: Partial<ProtectedResourceMetadataOptions> = {}) {
    const app = express();
    app.use(protectedResourceMetadata({ resource: RESOURCE, authorizationServers: [AS], scopesSupported: ['read', 'admin'], ...options }));
    app.use(tokenGuard({ store: new MemoryTokenStore(fixtureRecords()), clock: () => NOW, resourceMetadataUrl: METADATA_URL }));
    app.get('/v1/r', requireScopes('read'), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/v1/admin', requireScopes('admin'), (_req, res) => {
      res.end();
    });
    app.get('/v1/mfa', requireAuthLevel({ maxAgeSeconds: 300 }), (_req, res) => {
      res.end();
    });
    app.use(authErrorHandler());
    return app;
  }
  const app = appWith();

  it('P-01 / P-02 / P-09: serves the document at the default and the path-inserted well-known paths, without a token, cacheable', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/v1']) {
      const res = await request(app).get(path);
      expect([res.status, res.headers['content-type'], res.headers['cache-control']]).toEqual([200, 'application/json; charset=utf-8', 'public, max-age=3600']);
      expect(res.body).toEqual({ resource: RESOURCE, authorization_servers: [AS], scopes_supported: ['read', 'admin'], bearer_methods_supported: ['header'] });
    }
    expect((await request(app).get('/v1/.well-known/oauth-protected-resource')).status).toBe(401);
    const head = await request(app).head('/.well-known/oauth-protected-resource/v1');
    expect([head.status, head.text]).toEqual([200, undefined]);
    const post = await request(app).post('/.well-known/oauth-protected-resource');
    expect([post.status, post.headers['allow']]).toEqual([405, 'GET, HEAD']);
  });

  it('P-03: resource is the configured identifier, whatever Host or X-Forwarded-Host say', async () => {
    const res = await request(app).get('/.well-known/oauth-protected-resource').set({ Host: 'evil.example', 'X-Forwarded-Host': 'evil.example' });
    expect(res.body.resource).toBe(RESOURCE);
  });

  it('P-04 / P-05: no empty members; bearer_methods_supported mirrors the guard\'s token methods', async () => {
    const bare = appWith({ authorizationServers: undefined, scopesSupported: [], allowFormBody: true });
    expect((await request(bare).get('/.well-known/oauth-protected-resource')).body).toEqual({ resource: RESOURCE, bearer_methods_supported: ['header', 'body'] });
    const named = appWith({ allowQuery: true, resourceName: 'Items API', resourceDocumentation: 'https://rs.example/docs' });
    expect((await request(named).get('/.well-known/oauth-protected-resource/v1')).body).toEqual({
      resource: RESOURCE,
      authorization_servers: [AS],
      scopes_supported: ['read', 'admin'],
      bearer_methods_supported: ['header', 'query'],
      resource_name: 'Items API',
      resource_documentation: 'https://rs.example/docs',
    });
  });

  it('P-06: tls_client_certificate_bound_access_tokens comes from the guard\'s own mtls option, and only then', async () => {
    const mtls = {};
    const bound = appWith({ mtls });
    expect((await request(bound).get('/.well-known/oauth-protected-resource')).body).toMatchObject({ tls_client_certificate_bound_access_tokens: true });
    expect((await request(app).get('/.well-known/oauth-protected-resource')).body).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
    expect(() => protectedResourceMetadata({ resource: RESOURCE, mtls: true as unknown as object })).toThrow("protectedResourceMetadata: options.mtls must be the guard's mtls option object");
  });

  it('P-07 / P-08: every challenge carries resource_metadata exactly once, with error, scope and max_age too', async () => {
    const challenge = async (path: string, token?: string) => {
      const req = request(app).get(path);
      return (await (token === undefined ? req : req.set('Authorization', `Bearer ${token}`))).headers['www-authenticate'] as string;
    };
    expect(await challenge('/v1/r')).toBe(`Bearer realm="api", resource_metadata="${METADATA_URL}"`);
    expect(await challenge('/v1/r', 'tok-UNKNOWN_0123456789')).toBe(
      `Bearer realm="api", error="invalid_token", error_description="The access token is invalid or has expired", resource_metadata="${METADATA_URL}"`,
    );
    const scope = await challenge('/v1/admin', T_OK);
    expect(scope).toBe(
      `Bearer realm="api", error="insufficient_scope", error_description="The access token does not carry the scope this request requires", scope="admin", resource_metadata="${METADATA_URL}"`,
    );
    const mfa = await challenge('/v1/mfa', T_OK);
    expect([mfa.match(/resource_metadata=/g)?.length, mfa.includes('max_age="300"')]).toEqual([1, true]);
  });
});

describe('protectedResourceMetadataUrl', () => {
  it.each([
    ['https://rs.example', 'https://rs.example/.well-known/oauth-protected-resource'],
    ['https://rs.example/', 'https://rs.example/.well-known/oauth-protected-resource'],
    ['https://rs.example/v1', 'https://rs.example/.well-known/oauth-protected-resource/v1'],
    ['https://rs.example/v1/', 'https://rs.example/.well-known/oauth-protected-resource/v1'],
    ['http://127.0.0.1:3000/mcp', 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp'],
  ])('P-02: %s → %s', (resource, url) => {
    expect(protectedResourceMetadataUrl(resource)).toBe(url);
  });
});

describe('X-01: resource server URLs are https, loopback excepted', () => {
  it.each([
    [{ resource: 'http://rs.example' }, 'protectedResourceMetadata: options.resource must be an https URL (http only on localhost, 127.0.0.1 or [::1]), not "http://rs.example"'],
    [{ resource: 'https://rs.example/?a=1' }, 'protectedResourceMetadata: options.resource must have no query or fragment (RFC 9728 §1.2), not "https://rs.example/?a=1"'],
    [{ resource: RESOURCE, authorizationServers: ['http://as.example'] }, 'protectedResourceMetadata: options.authorizationServers[0] must be an https URL'],
    [{ resource: RESOURCE, authorizationServers: [] }, 'protectedResourceMetadata: options.authorizationServers must be a non-empty array of issuer URLs'],
    [{ resource: RESOURCE, scopes: ['a'] }, 'protectedResourceMetadata: unknown option "scopes"'],
    [{ resource: RESOURCE, maxAgeSeconds: -1 }, 'protectedResourceMetadata: options.maxAgeSeconds must be a whole number of seconds, 0 or more'],
  ])('refuses %j', (options, message) => {
    expect(() => protectedResourceMetadata(options as ProtectedResourceMetadataOptions)).toThrow(message);
  });

  it('accepts http on loopback, and checks the guard\'s resourceMetadataUrl the same way', () => {
    expect(() => protectedResourceMetadata({ resource: 'http://127.0.0.1:3000' })).not.toThrow();
    const store = new MemoryTokenStore();
    expect(() => tokenGuard({ store, resourceMetadataUrl: 'http://rs.example/.well-known/oauth-protected-resource' })).toThrow(
      'tokenGuard: options.resourceMetadataUrl must be an https URL (http only on localhost, 127.0.0.1 or [::1]), not "http://rs.example/.well-known/oauth-protected-resource"',
    );
    expect(() => tokenGuard({ store, resourceMetadataUrl: 'http://localhost:3000/.well-known/oauth-protected-resource' })).not.toThrow();
  });
});
