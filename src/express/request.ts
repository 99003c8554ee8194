import type { Request } from 'express';
// Renamed: inside `namespace Express`, `AuthInfo` would resolve to passport's `Express.AuthInfo` when its types are installed.
import type { AuthInfo as TokenAuthInfo } from '../core/auth-info.js';
import type { ChallengeScheme } from '../core/challenge.js';
import type { GuardConfig } from '../core/options.js';

declare global {
  // Express types its request through this global namespace; merging into it is the only way to add `auth`.
  namespace Express {
    interface Request {
      /**
       * Set by `tokenGuard` once the request's bearer token is verified; `undefined` before that,
       * and when `credentialsRequired: false` let a request without credentials through.
       */
      auth?: TokenAuthInfo;
    }
  }
}

const GUARD = Symbol('express-token-guard.guard');
const SCHEME = Symbol('express-token-guard.scheme');

/** What later route guards and error handlers need of the `tokenGuard` that saw a request. */
export type GuardContext = Pick<GuardConfig, 'challenge' | 'sendErrors' | 'clock'>;

type GuardedRequest = Request & { [GUARD]?: GuardContext; [SCHEME]?: ChallengeScheme };

/** Remembers which guard saw this request: its challenge (realm, `error_uri`) and how it answers refusals. */
export function setGuard(req: Request, guard: GuardContext): void {
  (req as GuardedRequest)[GUARD] = guard;
}

/** The `tokenGuard` that saw this request, if one did. */
export function getGuard(req: Request): GuardContext | undefined {
  return (req as GuardedRequest)[GUARD];
}

/**
 * Marks a request that did not use the Bearer scheme (a DPoP one, or one whose scheme cannot be
 * told), so that every refusal of it, a route guard's too, puts its error in the right challenge.
 */
export function setScheme(req: Request, scheme: ChallengeScheme): void {
  (req as GuardedRequest)[SCHEME] = scheme;
}

/** The scheme of this request's credentials, as {@link setScheme} marked it: `Bearer` unless marked. */
export function getScheme(req: Request): ChallengeScheme | undefined {
  return (req as GuardedRequest)[SCHEME];
}
