import { Agent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { InvalidRequestError } from '../../src/index.js';
import { isB64Token, parseAuthorization } from '../../src/core/credentials.js';
import { fixtureApp } from '../helpers/apps.js';
import { T_ADMIN, T_B64, T_OK } from '../helpers/fixtures.js';
import { listen } from '../helpers/http.js';
import express = require('express');

// What Node's HTTP client lets through in a header value: HTAB, SP to ~, and the bytes 0x80-0xFF.
const HEADER_CHARS = ['\t', ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))].concat(
  Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i)),
);
const headerChar = fc.constantFrom(...HEADER_CHARS);
const b64Char = fc.constantFrom(...'ABCXYZabcxyz0189-._~+/=');
const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'BeArEr', 'Basic', 'Bearer2', 'DPoP', '');
const separator = fc.constantFrom(' ', '  ', '\t', '', ' \t', ',');
const stored = fc.constantFrom(T_OK, T_ADMIN, T_B64);
const mutated = fc.tuple(stored, fc.nat(), headerChar).map(([token, at, char]) => {
  const i = at % (token.length + 1);
  return token.slice(0, i) + char + token.slice(i + 1);
});

/** Header values an attacker or a broken client might send. */
const authorizationValue = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 80 }),
  fc.tuple(scheme, separator, fc.string({ unit: b64Char, maxLength: 40 })).map((p) => p.join('')),
  fc.tuple(scheme, separator, fc.oneof(stored, mutated), fc.constantFrom('', ' ', '\t', ' x', '=', ', Bearer x')).map((p) => p.join('')),
);

const ROUTE_READERS = new Set([T_OK, T_ADMIN, T_B64]);
const STORED_HEADER = /^[ \t]*bearer +([^ \t]+)[ \t]*$/i;
const CHALLENGE =
  /^Bearer realm="api"(, error="(invalid_request|invalid_token)", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]*")?$/;

describe('random Authorization values', () => {
  it('B-21: the parser returns a b64token, undefined, or throws InvalidRequestError, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), authorizationValue), (value) => {
        try {
          const token = parseAuthorization(value);
          if (token !== undefined) {
            expect(isB64Token(token)).toBe(true);
            expect(STORED_HEADER.exec(value)?.[1]).toBe(token);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidRequestError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  describe('over HTTP', () => {
    let server: Server;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    beforeAll(async () => {
      server = await listen(fixtureApp(express));
    });
    afterAll(() => {
      agent.destroy();
      server.close();
    });

    function get(authorization: string): Promise<{ status: number; challenge: string | string[] | undefined }> {
      const { port } = server.address() as AddressInfo;
      return new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/r', agent, headers: { authorization } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode as number, challenge: res.headers['www-authenticate'] }));
        });
        req.on('error', reject);
        req.end();
      });
    }

    it('never crashes, admits only stored tokens, and always answers with a well-formed challenge', async () => {
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(authorizationValue, async (value) => {
          const { status, challenge } = await get(value);
          seen.add(status);
          const token = STORED_HEADER.exec(value)?.[1];
          if (token !== undefined && ROUTE_READERS.has(token)) {
            expect(status).toBe(200);
          } else {
            expect([400, 401]).toContain(status);
            expect(challenge).toMatch(CHALLENGE);
          }
        }),
        { numRuns: 400 },
      );
      expect([...seen].sort()).toEqual([200, 400, 401]);
      expect((await get(`Bearer ${T_OK}`)).status).toBe(200);
    });
  });
});
