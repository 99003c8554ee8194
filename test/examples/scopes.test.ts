import { join } from 'node:path';
import { REFUSED, answerCurlLines, exampleUnderTest, refusal, stopExample } from '../helpers/example-under-test.js';
import { answerMethodCurlLines } from '../helpers/method-curl-lines.js';

// examples/scopes: requireScopes (all of) and requireAnyScope (any of) on routes and on a router, as a
// client meets them: 200 or 201 with the scopes, 403 insufficient_scope naming the route's scopes without.

const SERVER = join(__dirname, '../../examples/scopes/server.mjs');
const ITEMS = { items: [{ id: 1, name: 'first item' }] };
const REPORTS = { subject: 'alice', reports: [{ month: '2026-01', items: 1 }] };

describe('examples/scopes', () => {
  const example = exampleUnderTest(SERVER);

  it('prints GET curl lines that answer as they say', async () => {
    expect(await answerCurlLines(example.output)).toEqual([
      ['A token with items:read, on GET /items', 200, 200, null, ITEMS],
      ['A token with items:read, on GET /reports', 403, 403, ...REFUSED.insufficientScope('reports:read admin')],
      ['A token with reports:read, on GET /reports', 200, 200, null, REPORTS],
      ['A token with admin, on GET /reports', 200, 200, null, REPORTS],
      ['A token with reports:read, on GET /admin/clients', 403, 403, ...REFUSED.insufficientScope('admin')],
      ['A token with admin, on GET /admin/clients', 200, 200, null, { clients: [1001, 1002] }],
      ['No token', 401, 401, ...REFUSED.noToken],
    ]);
  });

  it('prints POST curl lines that answer as they say: items:read alone may not create, with items:write it may', async () => {
    expect(await answerMethodCurlLines(example.output)).toEqual([
      ['A token with items:read, on POST /items', 403, 'POST', 403, ...REFUSED.insufficientScope('items:read items:write')],
      ['A token with items:read and items:write, on POST /items', 201, 'POST', 201, null, { id: 2, name: 'second item' }],
    ]);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stopExample(example.child)).toBe(0);
  });

  it('refuses an unknown argument with its usage and exit status 2', () => {
    expect(refusal(SERVER, { args: ['--scope', 'admin'] })).toEqual([2, expect.stringMatching(/^Unknown option '--scope'/), 'usage: node examples/scopes/server.mjs']);
  });
});
