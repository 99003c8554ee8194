// Type tests: compiled by `npm run typecheck`, never run. Each @ts-expect-error must stay an error.
import express from 'express';
import {
  MemoryTokenStore,
  authErrorHandler,
  hashToken,
  isAuthError,
  requireAnyScope,
  requireScopes,
  tokenGuard,
  type AccessToken,
  type AuthErrorCode,
  type AuthInfo,
  type GrantType,
  type Property,
  type TokenStore,
} from '../../src/index.js';

const app = express();
const store = new MemoryTokenStore();
app.use('/api', tokenGuard({ store, realm: 'example' }));
app.get('/api/items', requireScopes('items:read'), (req, res) => {
  const auth: AuthInfo | undefined = req.auth;
  const subject: string | undefined = req.auth?.subject;
  const tenant: string | undefined = req.auth?.properties['tenant'];
  const scopes: readonly string[] | undefined = req.auth?.scopes;
  // @ts-expect-error scopes are read-only
  req.auth?.scopes.push('admin');
  res.json({ auth, subject, tenant, scopes });
});
app.post('/api/items', requireAnyScope('items:write', 'admin'), (_req, res) => {
  res.end();
});
app.use(authErrorHandler());

// A store needs only findByAccessTokenHash, sync or async, and may answer null.
const syncStore: TokenStore = { findByAccessTokenHash: () => undefined };
const asyncStore: TokenStore = { findByAccessTokenHash: async () => null };
tokenGuard({ store: syncStore, hash: async (token) => token, clock: () => 0, requiredScopes: ['a'] });
tokenGuard({ store: asyncStore, credentialsRequired: false, allowFormBody: true, allowQuery: false, clockToleranceMs: 5 });

// @ts-expect-error store is required
tokenGuard({ realm: 'x' });
// @ts-expect-error unknown option
tokenGuard({ store, requiredScope: ['a'] });
// @ts-expect-error a store must have findByAccessTokenHash
tokenGuard({ store: { findByHash: () => undefined } });
// @ts-expect-error scopes are strings
requireScopes(['a', 'b']);
// @ts-expect-error hash returns a string
tokenGuard({ store, hash: (token: string) => token.length });

const grant: GrantType = 'SOMETHING_NEW';
const property: Property = { key: 'k', value: 'v', hidden: true };
const record: AccessToken = { accessTokenHash: hashToken('t'), grantType: grant, properties: [property] };
// @ts-expect-error clientId is a number
const badRecord: AccessToken = { clientId: '1' };
void store.save(record).then(() => store.deleteByAccessTokenHash(hashToken('t')));
void badRecord;

app.use((error: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
  if (isAuthError(error)) {
    const code: AuthErrorCode = error.code;
    const status: number = error.status;
    const headers: Record<string, string | string[]> = error.headers;
    void [code, status, headers, error.reason];
  }
  next(error);
});
