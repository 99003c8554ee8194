import { normalizeUri } from '../../src/binding/dpop.js';

// DP-12 and DP-13: htu comparison after RFC 3986 syntax- and scheme-based normalisation, nothing laxer.

describe('normalizeUri', () => {
  it.each([
    ['HTTPS://RS.EXAMPLE:443/%72', 'https://rs.example/r'],
    ['https://rs.example', 'https://rs.example/'],
    ['http://rs.example:80/a', 'http://rs.example/a'],
    ['https://rs.example:8443/a', 'https://rs.example:8443/a'],
    ['https://rs.example/a%2fb', 'https://rs.example/a%2Fb'],
    ['https://rs.example/%7E%41%2D', 'https://rs.example/~A-'],
    ['https://rs.example/a/./b/../c', 'https://rs.example/a/c'],
    ['https://rs.example/r?x=1#f', 'https://rs.example/r'],
    ['https://rs.example/R/', 'https://rs.example/R/'],
  ])('DP-12: %s is %s', (value, normal) => {
    expect(normalizeUri(value)).toBe(normal);
  });

  it.each(['urn:example:r', 'ftp://rs.example/r', 'https://user:pw@rs.example/r', '/r', 'not a uri'])('DP-13: %s is no htu', (value) => {
    expect(normalizeUri(value)).toBeUndefined();
  });
});
