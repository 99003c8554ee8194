import type { Request } from 'express';
// Renamed: inside `namespace Express`, `AuthInfo` would resolve to passport's `Express.AuthInfo` when its types are installed.
import type { AuthInfo as TokenAuthInfo } from '../core/auth-info.js';
import type { ChallengeBuilder } from '../core/challenge.js';

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

const CHALLENGE = Symbol('express-token-guard.challenge');

type GuardedRequest = Request & { [CHALLENGE]?: ChallengeBuilder };

/** Remembers which guard's challenge (realm, `error_uri`) later route guards should answer with. */
export function setChallenge(req: Request, challenge: ChallengeBuilder): void {
  (req as GuardedRequest)[CHALLENGE] = challenge;
}

/** The challenge of the `tokenGuard` that saw this request, if one did. */
export function getChallenge(req: Request): ChallengeBuilder | undefined {
  return (req as GuardedRequest)[CHALLENGE];
}
