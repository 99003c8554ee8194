// express-token-guard/core: the guard's whole decision for plain values, with no framework; for
// Fastify, node:http or anything else that can read a header. It never loads express.
export type { AuthInfo } from './auth-info.js';
export { createAuthorizer, type AuthorizeRequest, type AuthorizeResponse, type Authorizer } from './authorizer.js';
export { DEFAULT_REALM } from './challenge.js';
export {
  AuthError,
  CredentialsRequiredError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  StoreUnavailableError,
  UseDpopNonceError,
  isAuthError,
  type AuthErrorCode,
} from './errors.js';
export { hashToken } from './hash.js';
export type { TokenGuardOptions } from './options.js';
export type { AccessToken } from './record.js';
export type { TokenResolver, TokenStore } from './store.js';
export { MemoryTokenStore } from '../stores/memory.js';
export { CHANNELS, type CacheMessage, type RequestMessage, type StoreMessage } from '../channels/index.js';
