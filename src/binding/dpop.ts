import { hash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { InvalidDpopProofError, StoreUnavailableError, UseDpopNonceError, type InvalidDpopProofReason } from '../core/errors.js';
import type { DpopConfig } from './dpop-options.js';
import type { ReplayStore } from './replay.js';

/** What a DPoP proof is checked against: the request, the token it comes with, and the guard's time. */
export interface DpopRequest {
  /** The `DPoP` header (Node joins repeated lines with `, `), or `undefined`. */
  readonly proof: string | undefined;
  readonly method: string;
  /** The request target as received, e.g. Express's `req.originalUrl`: its path is what `htu` must name. */
  readonly target: string;
  readonly token: string;
  readonly now: number;
}

/** A proof that passed every check of RFC 9449 §4.3 but the replay check, which follows the token's. */
export interface VerifiedDpopProof {
  /** The RFC 7638 SHA-256 thumbprint of the proof's key, to compare with the token's `cnf.jkt`. */
  readonly jkt: string;
  /** The key to give the replay store: SHA-256 of the thumbprint, the `htu` and the `jti`. */
  readonly replayKey: string;
  /** When the proof stops being accepted anyway, in ms. */
  readonly expiresAt: number;
  /** A fresh nonce to send in `DPoP-Nonce`, when the proof's is about to expire. */
  readonly nonce: string | undefined;
}

/** A proof holds a header with a public key, a few claims and a signature: RSA 4096 fits in 3 kB. */
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const REQUIRED_CLAIMS = ['jti', 'htm', 'htu', 'iat'];
const PERCENT = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

let jose: Promise<typeof import('jose')> | undefined;

interface ProofKey {
  key: Exclude<Awaited<ReturnType<typeof import('jose').importJWK>>, Uint8Array>;
  jkt: string;
}

// A client signs every proof with the same key: importing it and hashing its thumbprint cost more than
// checking the signature (108 + 32 µs of 320 for ES256 here), so both are kept per key and algorithm,
// named by the members RFC 7638 says make the key.
const keys = new LRUCache<string, Promise<ProofKey>>({ max: 1000 });

function publicKeyOf(jwk: Record<string, unknown>, alg: string): Promise<ProofKey> {
  const name = JSON.stringify([alg, jwk['kty'], jwk['crv'], jwk['x'], jwk['y'], jwk['e'], jwk['n']]);
  let known = keys.get(name);
  if (known === undefined) {
    known = importKey(jwk, alg);
    keys.set(name, known);
    known.catch(() => keys.delete(name));
  }
  return known;
}

async function importKey(jwk: Record<string, unknown>, alg: string): Promise<ProofKey> {
  const { importJWK, calculateJwkThumbprint } = await (jose ??= import('jose'));
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(jwk, alg);
  } catch {
    throw new InvalidDpopProofError('invalid_key');
  }
  if (key instanceof Uint8Array || key.type !== 'public') throw new InvalidDpopProofError('invalid_key');
  return { key, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

/**
 * Checks a DPoP proof (RFC 9449 §4.3) with `jose`: one compact JWS of `typ` `dpop+jwt`, an allowed
 * asymmetric `alg`, a public `jwk` (no private member) whose signature verifies, the claims `jti`
 * (at most 256 characters), `htm` (exactly the method), `htu` (the origin and path of the request,
 * compared after RFC 3986 syntax- and scheme-based normalisation, query and fragment ignored), `iat`
 * (within `maxAgeSeconds` before the guard's time, `clockToleranceSeconds` either way), `ath`
 * (base64url SHA-256 of the token) and, with nonces on, `nonce`.
 *
 * Rejects with {@link InvalidDpopProofError}, or {@link UseDpopNonceError} carrying the nonce to use.
 */
export async function verifyDpopProof(config: DpopConfig, request: DpopRequest): Promise<VerifiedDpopProof> {
  const { proof } = request;
  if (proof === undefined || proof === '') throw new InvalidDpopProofError('missing_proof');
  if (proof.includes(',')) throw new InvalidDpopProofError('repeated_proof');
  if (proof.length > MAX_PROOF_LENGTH) throw new InvalidDpopProofError('oversized_proof');
  if (!COMPACT_JWS.test(proof)) throw new InvalidDpopProofError('malformed_proof');
  const header = decodeSegment(proof.slice(0, proof.indexOf('.')));
  if (header['typ'] !== 'dpop+jwt') throw new InvalidDpopProofError('wrong_type');
  const alg = header['alg'];
  if (typeof alg !== 'string' || !(config.algorithms as readonly string[]).includes(alg)) throw new InvalidDpopProofError('algorithm_not_allowed');
  const jwk = header['jwk'];
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || PRIVATE_MEMBERS.some((name) => Object.hasOwn(jwk, name))) {
    throw new InvalidDpopProofError('invalid_key');
  }
  const { use, alg: keyAlg } = jwk as Record<string, unknown>;
  if ((use !== undefined && use !== 'sig') || (keyAlg !== undefined && keyAlg !== alg)) throw new InvalidDpopProofError('invalid_key');
  const { jwtVerify } = await (jose ??= import('jose'));
  const { key, jkt } = await publicKeyOf(jwk as Record<string, unknown>, alg);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(proof, key, {
      algorithms: [alg],
      currentDate: new Date(request.now),
      maxTokenAge: config.maxAgeSeconds,
      clockTolerance: config.clockToleranceSeconds,
      requiredClaims: REQUIRED_CLAIMS,
    }));
  } catch (error) {
    throw new InvalidDpopProofError(reasonOf(error));
  }
  const { jti, htm, htu, ath } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti === '' || typeof htm !== 'string' || typeof htu !== 'string') throw new InvalidDpopProofError('missing_claim');
  if (jti.length > MAX_JTI_LENGTH) throw new InvalidDpopProofError('oversized_jti');
  if (htm !== request.method) throw new InvalidDpopProofError('wrong_method');
  const expectedUri = normalizeUri(`${config.origin}${pathOf(request.target)}`);
  if (expectedUri === undefined || normalizeUri(htu) !== expectedUri) throw new InvalidDpopProofError('wrong_uri');
  if (typeof ath !== 'string') throw new InvalidDpopProofError('missing_claim');
  if (ath !== hash('sha256', request.token, 'base64url')) throw new InvalidDpopProofError('wrong_token_hash');
  let nonce: string | undefined;
  if (config.nonces !== undefined) {
    const given = (payload as Record<string, unknown>)['nonce'];
    const state = config.nonces.check(given, jkt, request.now);
    if (state === 'invalid') throw new UseDpopNonceError(given === undefined ? 'missing_nonce' : 'stale_nonce', config.nonces.issue(jkt, request.now));
    if (state === 'previous') nonce = config.nonces.issue(jkt, request.now);
  }
  return {
    jkt,
    replayKey: hash('sha256', `${jkt} ${expectedUri} ${jti}`, 'base64url'),
    expiresAt: ((payload.iat as number) + config.maxAgeSeconds + config.clockToleranceSeconds) * 1000,
    nonce,
  };
}

function decodeSegment(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidDpopProofError('malformed_proof');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidDpopProofError('malformed_proof');
  return value as Record<string, unknown>;
}

function reasonOf(error: unknown): InvalidDpopProofReason {
  const { code, claim, reason } = error as { code?: unknown; claim?: unknown; reason?: unknown };
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'bad_signature';
  if (code === 'ERR_JWT_EXPIRED') return 'outside_window';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return reason === 'missing' ? 'missing_claim' : claim === 'iat' || claim === 'nbf' ? 'outside_window' : 'malformed_proof';
  return 'malformed_proof';
}

/** The path of a request target: origin-form up to its query, or the path of an absolute-form target. */
function pathOf(target: string): string {
  if (target.startsWith('/')) {
    const end = target.search(/[?#]/);
    return end === -1 ? target : target.slice(0, end);
  }
  return URL.canParse(target) ? new URL(target).pathname : '';
}

/**
 * An http(s) URI without query and fragment, after RFC 3986 §6.2.2 and §6.2.3 normalisation: scheme
 * and host in lower case, no default port, an empty path as `/`, dot segments removed,
 * percent-encoded unreserved characters decoded and other percent-encodings in upper case. Nothing
 * laxer: a trailing slash or the case of the path still count. `undefined` for anything else.
 */
export function normalizeUri(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined;
  const path = url.pathname.replace(PERCENT, (encoded, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : encoded.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Gives an accepted proof to the replay store: rejects with {@link InvalidDpopProofError}
 * (`replayed`) when the store has seen it, and with a 503 `StoreUnavailableError` when the store
 * throws, rejects or answers anything but a boolean.
 */
export function recordProof(store: ReplayStore, proof: VerifiedDpopProof): Promise<void> {
  return Promise.resolve()
    .then(() => store.seen(proof.replayKey, proof.expiresAt))
    .then(
      (answer: unknown) => {
        if (answer === true) throw new InvalidDpopProofError('replayed');
        if (answer !== false) throw new StoreUnavailableError('replay_store_failed', { cause: new TypeError('replayStore.seen() must answer true or false') });
      },
      (cause: unknown) => {
        throw new StoreUnavailableError('replay_store_failed', { cause });
      },
    );
}
