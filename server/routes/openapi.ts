import { Hono } from 'hono';
import { buildOpenApiDocument } from '../openapi/document.js';

/** The document, built at its first request and then kept: it depends on the code only, never on config. */
let document: ReturnType<typeof buildOpenApiDocument> | undefined;

/** `GET /api/openapi.json`: the OpenAPI 3.1 document of this API (compressed by `compressJson`, as every JSON answer). */
export function openApiRoutes(): Hono {
  const routes = new Hono();
  routes.get('/', (c) => {
    document ??= buildOpenApiDocument();
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(document);
  });
  return routes;
}
