import { invalidArgType, invalidArgValue } from '../core/arg-errors.js';
import { checkHttpsUrl } from '../core/https-url.js';
import { DpopNonces } from './nonce.js';
import { MemoryReplayStore, checkReplayStore, type ReplayStore } from './replay.js';

/** The proof algorithms a guard may accept: asymmetric JWS algorithms `jose` verifies. Never `none` or a MAC. */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'] as const;

/** One of {@link DPOP_ALGORITHMS}. */
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number];

/** The default `dpop.algorithms`. */
export const DEFAULT_DPOP_ALGORITHMS: readonly DpopAlgorithm[] = Object.freeze(['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256']);

/** The `dpop` option of `tokenGuard` and `protectedResourceMetadata`: DPoP-bound tokens (RFC 9449). */
export interface DpopOptions {
  /**
   * This API's public origin as clients call it, e.g. `https://api.example.com`: the proof's `htu`
   * must be this origin followed by the request's `originalUrl` without its query. Never taken
   * from `Host` or `X-Forwarded-*`. https (`http:` only on loopback). Required.
   */
  origin: string;
  /** The proof signature algorithms accepted, sent as `algs`. Default `ES256, ES384, EdDSA, PS256, RS256`. */
  algorithms?: readonly DpopAlgorithm[];
  /** How long after its `iat` a proof is accepted, in seconds. Default 300. */
  maxAgeSeconds?: number;
  /** How far a proof's `iat` may be off the guard's clock, in seconds (either way). Default 5. */
  clockToleranceSeconds?: number;
  /**
   * Where accepted proofs are remembered, so that none is accepted twice. Default: a
   * {@link MemoryReplayStore} of this guard; give several instances one `RedisReplayStore`.
   */
  replayStore?: ReplayStore;
  /**
   * Server-issued nonces (RFC 9449 §9): every proof must carry one, else 401 `use_dpop_nonce` with a
   * `DPoP-Nonce` header. `true`, or `{ lifetimeSeconds, secret }`: a nonce is good for one to two
   * lifetimes (default 300 s), and instances that share `secret` (32 bytes or more) accept each
   * other's. Without `secret`, each process makes its own. Default: off.
   */
  nonce?:
    | boolean
    | {
        /** How long one time window lasts, in whole seconds (1 or more); a nonce stays good for one to two. Default 300. */
        lifetimeSeconds?: number;
        /**
         * The HMAC-SHA-256 key the nonces are made with: at least 32 bytes (a string counts as its
         * UTF-8 bytes), else a `TypeError` when the guard is made. Default: 32 random bytes per process.
         */
        secret?: string | Uint8Array;
      };
  /**
   * Accept DPoP-bound tokens only: a Bearer token is refused, and the Bearer challenge is no longer
   * sent. Default `false`: Bearer tokens without a binding are accepted too.
   */
  required?: boolean;
}

/** {@link DpopOptions} after checking. `replayStore` is filled in by the guard. */
export interface DpopConfig {
  readonly origin: string;
  readonly algorithms: readonly DpopAlgorithm[];
  readonly maxAgeSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly replayStore: ReplayStore;
  readonly nonces: DpopNonces | undefined;
  readonly required: boolean;
}

const NAMES = ['origin', 'algorithms', 'maxAgeSeconds', 'clockToleranceSeconds', 'replayStore', 'nonce', 'required'];
const NONCE_NAMES = ['lifetimeSeconds', 'secret'];
const MIN_SECRET_BYTES = 32;

/**
 * Checks a `dpop` option once; a `TypeError` names the option (`what` is e.g. `tokenGuard: options.dpop`).
 * `clock` is the guard's, for the default replay store.
 */
export function compileDpopOptions(what: string, options: unknown, clock: () => number): DpopConfig {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgType(`${what} must be an object, e.g. { origin: 'https://api.example.com' }`);
  }
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!NAMES.includes(name)) throw invalidArgValue(`${what}: unknown option "${name}" (it takes ${NAMES.join(', ')})`);
  }
  if (given['origin'] === undefined) throw invalidArgType(`${what}.origin is required: this API's public origin, e.g. 'https://api.example.com'`);
  const origin = new URL(checkHttpsUrl(`${what}.origin`, given['origin']));
  if (origin.pathname !== '/' || origin.search !== '' || origin.hash !== '' || /[?#]/.test(given['origin'] as string)) {
    throw invalidArgValue(`${what}.origin must be an origin only (scheme, host and port), e.g. 'https://api.example.com', not "${given['origin'] as string}"`);
  }
  const replayStore = checkReplayStore(`${what}.replayStore`, given['replayStore']);
  return {
    origin: origin.origin,
    algorithms: checkAlgorithms(`${what}.algorithms`, given['algorithms']),
    maxAgeSeconds: seconds(`${what}.maxAgeSeconds`, given['maxAgeSeconds'], 300, 1),
    clockToleranceSeconds: seconds(`${what}.clockToleranceSeconds`, given['clockToleranceSeconds'], 5, 0),
    replayStore: replayStore ?? new MemoryReplayStore({ clock }),
    nonces: checkNonce(`${what}.nonce`, given['nonce']),
    required: flag(`${what}.required`, given['required']),
  };
}

function checkAlgorithms(what: string, algorithms: unknown): readonly DpopAlgorithm[] {
  if (algorithms === undefined) return DEFAULT_DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw invalidArgType(`${what} must be a non-empty array, e.g. ['ES256']`);
  for (const alg of algorithms) {
    if (typeof alg === 'string' && (alg.toLowerCase() === 'none' || /^HS\d+$/.test(alg))) {
      throw invalidArgValue(`${what} must not hold "${alg}": a proof is signed with a private key, never a MAC or none (RFC 9449 §4.3)`);
    }
    if (!(DPOP_ALGORITHMS as readonly unknown[]).includes(alg)) {
      throw invalidArgValue(`${what}: "${String(alg)}" is not an algorithm it takes (${DPOP_ALGORITHMS.join(', ')})`);
    }
  }
  return Object.freeze([...new Set(algorithms as DpopAlgorithm[])]);
}

function checkNonce(what: string, nonce: unknown): DpopNonces | undefined {
  if (nonce === undefined || nonce === false) return undefined;
  if (nonce === true) return new DpopNonces(300_000, undefined);
  if (typeof nonce !== 'object' || nonce === null) throw invalidArgType(`${what} must be true or { lifetimeSeconds?, secret? }`);
  const given = nonce as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!NONCE_NAMES.includes(name)) throw invalidArgValue(`${what}: unknown option "${name}" (it takes ${NONCE_NAMES.join(', ')})`);
  }
  const lifetime = seconds(`${what}.lifetimeSeconds`, given['lifetimeSeconds'], 300, 1);
  const secret = given['secret'];
  if (secret === undefined) return new DpopNonces(lifetime * 1000, undefined);
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret instanceof Uint8Array ? secret : undefined;
  if (bytes === undefined) throw invalidArgType(`${what}.secret must be a string or a Uint8Array`);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw invalidArgValue(`${what}.secret must be at least ${MIN_SECRET_BYTES} bytes, e.g. crypto.randomBytes(32).toString('base64url')`);
  }
  return new DpopNonces(lifetime * 1000, Uint8Array.from(bytes));
}

function seconds(what: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min) throw invalidArgType(`${what} must be a whole number of seconds, ${min} or more`);
  return value as number;
}

function flag(what: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidArgType(`${what} must be true or false`);
  return value;
}
