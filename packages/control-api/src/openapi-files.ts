/**
 * The generated API description, built from the routes with the test fakes (no kernel needed):
 * openapi/openapi.json and openapi/schema.d.ts. gen-openapi writes them; the drift test compares.
 */
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { createApp, openApiDocument } from './app.js';
import { jobHooks } from './hooks.js';
import { JobStore } from './store.js';
import { FakeCatalog, FakeRunner } from './test-fakes.js';

/** repo's openapi/ directory (src/ and dist/ sit at the same depth) */
export const OPENAPI_DIR = fileURLToPath(new URL('../../../openapi/', import.meta.url));
export const JSON_FILE = 'openapi.json';
export const TYPES_FILE = 'schema.d.ts';

/** Recursively sort object keys so the file does not depend on registration order. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export async function renderOpenApi(): Promise<{ json: string; types: string }> {
  const store = new JobStore(':memory:');
  try {
    const app = createApp({ catalog: new FakeCatalog(), runner: new FakeRunner({ hooks: jobHooks(store) }), store });
    const doc = sortKeys(openApiDocument(app)) as OpenAPI3;
    const json = `${JSON.stringify(doc, null, 2)}\n`;
    const types = `${COMMENT_HEADER}${astToString(await openapiTS(doc))}`;
    return { json, types };
  } finally {
    store.close();
  }
}
