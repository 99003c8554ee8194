import { join } from 'node:path';
import { CURL } from '../helpers/example-process.js';
import { REFUSED, answerCurlLines, exampleUnderTest, stopExample } from '../helpers/example-under-test.js';

// examples/express4: examples/basic/server.mjs, unchanged, with `express` resolved to Express 4 (the dev
// dependency express4): the same curl lines answer the same, and a token with items:write creates an item.

const SERVER = join(__dirname, '../../examples/express4/server.mjs');
const EXPRESS4 = (require('express4/package.json') as { version: string }).version;

describe('examples/express4', () => {
  const example = exampleUnderTest(SERVER);

  it('runs examples/basic on Express 4, as it says first', () => {
    expect([EXPRESS4.split('.')[0], example.output.split('\n')[0]]).toEqual([
      '4',
      `\`express\` is Express ${EXPRESS4} here; examples/basic/server.mjs, unchanged, runs on it:`,
    ]);
  });

  it('prints basic\'s four curl lines, and they answer on Express 4 as they do on Express 5', async () => {
    expect(await answerCurlLines(example.output)).toEqual([
      ['A valid token', 200, 200, null, { subject: 'alice', tenant: 'acme', items: [{ id: 1, name: 'first item' }] }],
      ['An expired token', 401, 401, ...REFUSED.invalidToken],
      ['A token without the items:read scope', 403, 403, ...REFUSED.insufficientScope('items:read')],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('lets the token with items:write create an item through express.json() of Express 4', async () => {
    const [, , , header, url] = example.output.match(new RegExp(CURL.source, 'm')) ?? [];
    const res = await fetch(url as string, {
      method: 'POST',
      headers: { Authorization: (header as string).replace(/^Authorization: /, ''), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'made on Express 4' }),
    });
    expect([res.status, await res.json()]).toEqual([201, { id: 2, name: 'made on Express 4' }]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });
});
