/**
 * The web page at `/`: plain HTML, CSS and a JS module from packages/control-api/web/ (read once
 * at start; the same relative path works from src/ and dist/), and probe-sdk's own `output.js` (the
 * readers of a probe's output declaration, a module without imports) so the page reads a result's
 * shape with the same code as the server. Not part of the OpenAPI document.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { OpenAPIHono } from '@hono/zod-openapi';

const WEB_DIR = new URL('../../web/', import.meta.url);
const SDK_DIR = new URL('./', pathToFileURL(createRequire(import.meta.url).resolve('@sonde/probe-sdk')));

const JS = 'text/javascript; charset=utf-8';
const ASSETS: Record<string, { file: URL; type: string }> = {
  '/': { file: new URL('index.html', WEB_DIR), type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: new URL('app.js', WEB_DIR), type: JS },
  '/ui/app.css': { file: new URL('app.css', WEB_DIR), type: 'text/css; charset=utf-8' },
  '/ui/output.js': { file: new URL('output.js', SDK_DIR), type: JS },
};

export function webRoutes(): OpenAPIHono {
  const app = new OpenAPIHono();
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    // the SDK module's source map comment would point at a file this server does not serve
    const body = readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    app.get(path, (c) => c.body(body, 200, { 'Content-Type': type, 'Cache-Control': 'no-cache' }));
  }
  return app;
}
