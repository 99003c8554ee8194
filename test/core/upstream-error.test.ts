import { UpstreamError } from '../../src/index.js';

describe('UpstreamError', () => {
  it('carries status, resultCode and resultMessage as own properties only when known, and a stable code', () => {
    const answered = new UpstreamError('Authlete introspection answered HTTP 401', {
      status: 401,
      resultCode: 'A001202',
      resultMessage: '[A001202] Authorization header is missing.',
    });
    expect([answered.name, answered.code, answered.message, answered instanceof Error]).toEqual([
      'UpstreamError',
      'ERR_UPSTREAM',
      'Authlete introspection answered HTTP 401',
      true,
    ]);
    expect(Object.keys(answered).sort()).toEqual(['code', 'resultCode', 'resultMessage', 'status']);
    expect([answered.status, answered.resultCode, answered.resultMessage]).toEqual([401, 'A001202', '[A001202] Authorization header is missing.']);
    const cause = new Error('ECONNREFUSED');
    const network = new UpstreamError('Authlete introspection could not be reached', { cause });
    expect(Object.keys(network)).toEqual(['code']);
    expect(['status' in network, 'resultCode' in network, network.cause]).toEqual([false, false, cause]);
  });
});
