/**
 * The web page at `/`: plain HTML, CSS and a JS module from packages/control-api/web/ (read once
 * at start; the same relative path works from src/ and dist/). Not part of the OpenAPI document.
 */
import { readFileSync } from 'node:fs';
import { OpenAPIHono } from '@hono/zod-openapi';

const WEB_DIR = new URL('../../web/', import.meta.url);

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

export function webRoutes(): OpenAPIHono {
  const app = new OpenAPIHono();
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(file, WEB_DIR), 'utf8');
    app.get(path, (c) => c.body(body, 200, { 'Content-Type': type, 'Cache-Control': 'no-cache' }));
  }
  return app;
}
