import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What {@link DpopNonces.check} found: the nonce of the current window, of the previous one, or none of ours. */
export type NonceCheck = 'current' | 'previous' | 'invalid';

const WINDOW_BYTES = 6;
const MAC_BYTES = 18;
const NONCE_LENGTH = ((WINDOW_BYTES + MAC_BYTES) / 3) * 4;

/**
 * Server-issued DPoP nonces (RFC 9449 §8, §9) that need no storage: a nonce is the number of the
 * time window it was issued in and an HMAC-SHA-256, under `secret`, of that number and the client's
 * key thumbprint. Time is cut into windows of `lifetimeMs`; a nonce is accepted during its own
 * window and the next, so it lives between one and two lifetimes, and instances that share `secret`
 * accept each other's nonces. Tied to the key, a nonce fetched by one client is no use to another.
 */
export class DpopNonces {
  readonly #secret: Uint8Array;

  constructor(
    readonly lifetimeMs: number,
    secret: Uint8Array | undefined,
  ) {
    this.#secret = secret ?? randomBytes(32);
  }

  /** The nonce for a client key (its RFC 7638 thumbprint) at `now`. */
  issue(jkt: string, now: number): string {
    return this.#nonce(this.#window(now), jkt);
  }

  /** Whether `nonce` was issued here for `jkt`, in the window of `now` or the one before. */
  check(nonce: unknown, jkt: string, now: number): NonceCheck {
    if (typeof nonce !== 'string' || nonce.length !== NONCE_LENGTH) return 'invalid';
    const bytes = Buffer.from(nonce, 'base64url');
    if (bytes.length !== WINDOW_BYTES + MAC_BYTES || bytes.toString('base64url') !== nonce) return 'invalid';
    const window = bytes.readUIntBE(0, WINDOW_BYTES);
    const current = this.#window(now);
    if (window !== current && window !== current - 1) return 'invalid';
    const expected = Buffer.from(this.#nonce(window, jkt), 'base64url');
    if (!timingSafeEqual(bytes, expected)) return 'invalid';
    return window === current ? 'current' : 'previous';
  }

  #window(now: number): number {
    return Math.floor(now / this.lifetimeMs);
  }

  #nonce(window: number, jkt: string): string {
    const bytes = Buffer.alloc(WINDOW_BYTES + MAC_BYTES);
    bytes.writeUIntBE(window, 0, WINDOW_BYTES);
    const mac = createHmac('sha256', this.#secret).update(bytes.subarray(0, WINDOW_BYTES)).update(jkt).digest();
    mac.copy(bytes, WINDOW_BYTES, 0, MAC_BYTES);
    return bytes.toString('base64url');
  }
}
