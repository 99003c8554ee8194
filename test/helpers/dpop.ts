import { createHash, createHmac, randomUUID, type webcrypto } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** A client's DPoP key pair: `jwk` is the public half as it goes in a proof's header, `jkt` its RFC 7638 thumbprint. */
export interface ProofKey {
  alg: string;
  privateKey: webcrypto.CryptoKey;
  jwk: JWK;
  privateJwk: JWK;
  jkt: string;
}

export async function proofKey(alg = 'ES256'): Promise<ProofKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, privateJwk: await exportJWK(privateKey), jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

/** base64url(SHA-256(token)), the `ath` of a proof for `token`. */
export const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface ProofOptions {
  method?: string;
  uri?: string;
  /** The token the proof comes with, for `ath`. */
  token?: string;
  /** `iat` in seconds. */
  iat?: number;
  jti?: string;
  nonce?: string;
  /** Claims to set (a value of `undefined` removes the claim). */
  claims?: Record<string, unknown>;
  /** Header members to set (a value of `undefined` removes the member). */
  header?: Record<string, unknown>;
}

/** A DPoP proof signed with `key`, valid for `GET https://rs.example/r` at `nowMs` unless told otherwise. */
export async function makeProof(key: ProofKey, nowMs: number, options: ProofOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: options.jti ?? randomUUID(),
    htm: options.method ?? 'GET',
    htu: options.uri ?? 'https://rs.example/r',
    iat: options.iat ?? Math.floor(nowMs / 1000),
    ...(options.token === undefined ? {} : { ath: ath(options.token) }),
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
  };
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  const header: Record<string, unknown> = { alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk };
  for (const [name, value] of Object.entries(options.header ?? {})) {
    if (value === undefined) delete header[name];
    else header[name] = value;
  }
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A proof "signed" with HMAC-SHA-256 under `secret`, or with `alg: none` and no signature: what no guard may accept. */
export function unsafeProof(alg: 'HS256' | 'none', claims: Record<string, unknown>, jwk: JWK, secret = 'secret'): string {
  const input = `${segment({ alg, typ: 'dpop+jwt', jwk })}.${segment(claims)}`;
  return alg === 'none' ? `${input}.` : `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The proof with its payload replaced by `claims`, the signature kept: a forgery. */
export function withPayload(proof: string, claims: Record<string, unknown>): string {
  const [header, , signature] = proof.split('.');
  return `${header}.${segment(claims)}.${signature}`;
}

/** The claims of a proof. */
export function claimsOf(proof: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(proof.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}
