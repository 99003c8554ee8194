// Loaded for its types too: it declares `req.auth` on Express's Request wherever the package is imported.
import './express/request.js';
export type { AuthInfo } from './core/auth-info.js';
export { createAuthorizer, type AuthorizeRequest, type AuthorizeResponse, type Authorizer } from './core/authorizer.js';
export { CHANNELS, type CacheMessage, type RequestMessage, type StoreMessage } from './channels/index.js';
export type { CachedStoreOptions } from './cache/cache-options.js';
export {
  cachedStore,
  type CacheStats,
  type CachedLookupMethod,
  type CachedTokenStore,
  type CachedWriteMethod,
  type TokenCache,
} from './cache/cached-store.js';
export type { Invalidation, InvalidationBus, InvalidationListener } from './cache/invalidation-bus.js';
export { DEFAULT_REALM } from './core/challenge.js';
export {
  AuthError,
  CredentialsRequiredError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidRequestError,
  InvalidDpopProofError,
  InvalidTokenError,
  StoreUnavailableError,
  UseDpopNonceError,
  isAuthError,
  type AuthErrorCode,
  type BearerErrorCode,
  type CredentialsRequiredReason,
  type DpopErrorCode,
  type InvalidDpopProofReason,
  type InvalidRequestReason,
  type InvalidTokenReason,
} from './core/errors.js';
export { hashToken } from './core/hash.js';
export { parseAccessToken } from './core/parse-access-token.js';
export type { ClientCertificate, MtlsOptions, TokenGuardOptions } from './core/options.js';
export type { AccessToken, Confirmation, GrantType, Property } from './core/record.js';
export type {
  ListableTokenStore,
  ResolvedAccessToken,
  TokenListPage,
  TokenListQuery,
  TokenResolver,
  TokenStore,
  WritableTokenStore,
} from './core/store.js';
export { UpstreamError, type UpstreamErrorDetails } from './core/upstream-error.js';
export { DEFAULT_DPOP_ALGORITHMS, DPOP_ALGORITHMS, type DpopAlgorithm, type DpopOptions } from './binding/dpop-options.js';
export { MemoryReplayStore, type MemoryReplayStoreOptions, type ReplayStore } from './binding/replay.js';
export { jwtAccessTokenStore, type JwtAccessTokenStoreOptions } from './upstream/jwt.js';
export { authErrorHandler } from './express/error-handler.js';
export { requireAnyScope, requireScopes } from './express/scope-guards.js';
export { requireAuthLevel } from './express/step-up.js';
export { protectedResourceMetadata } from './express/resource-metadata.js';
export { protectedResourceMetadataUrl, type ProtectedResourceMetadataOptions } from './core/resource-metadata.js';
export type { AuthLevelOptions } from './core/step-up.js';
export { tokenGuard } from './express/token-guard.js';
export { CorruptRecordError, type OnStoreError } from './stores/corrupt-record.js';
export { MemoryTokenStore } from './stores/memory.js';
export { StoreTimeoutError } from './stores/timeout.js';
