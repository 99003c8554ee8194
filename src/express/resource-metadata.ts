import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { buildResourceMetadata, type ProtectedResourceMetadataOptions } from '../core/resource-metadata.js';

/**
 * Serves this resource's protected resource metadata (RFC 9728): `GET` (and `HEAD`)
 * `/.well-known/oauth-protected-resource`, and for a resource with a path also the path-inserted
 * form (`https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`), as
 * `application/json` with `Cache-Control: public, max-age=…`, without a token. Another method is
 * 405 with `Allow: GET, HEAD`. `resource` is always the configured one, never taken from `Host`.
 * `bearer_methods_supported` mirrors `allowFormBody` / `allowQuery`: pass the guard's.
 *
 * Mount it at the application's root, before the guard, and give the guard
 * `resourceMetadataUrl: protectedResourceMetadataUrl(resource)` so that every challenge points here.
 * Options are checked now (a `TypeError` naming the option); `resource` must be https (loopback
 * excepted).
 *
 * @example
 * const resource = 'https://api.example.com';
 * app.use(protectedResourceMetadata({ resource, authorizationServers: ['https://as.example.com'], scopesSupported: ['items:read'] }));
 * app.use(tokenGuard({ store, resourceMetadataUrl: protectedResourceMetadataUrl(resource) }));
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): RequestHandler {
  const { document, paths, maxAgeSeconds } = buildResourceMetadata(options);
  const body = Buffer.from(JSON.stringify(document));
  const served = new Set(paths);
  return function protectedResourceMetadataMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (!served.has(req.path)) {
      next();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('Allow', 'GET, HEAD').end();
      return;
    }
    res.status(200).set({ 'Content-Type': 'application/json', 'Cache-Control': `public, max-age=${maxAgeSeconds}` });
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
