/**
 * The generated API description, built from the app createApp makes — its own routes and zod
 * schemas, the catalogue's real shapes (ProbeInfoSchema) — over an empty in-memory job store and no
 * catalogue or runner at all (no kernel needed): openapi/openapi.json and openapi/schema.d.ts.
 * gen-openapi writes them; the drift test compares.
 */
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { createApp, openApiDocument } from './app.js';
import { JobStore } from './store.js';

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

/** what an app that is only described never reaches: building the document calls no catalogue or runner */
function unserved(name: string): never {
  return new Proxy({}, {
    get: (_, key) => {
      throw new Error(`the app behind the OpenAPI document serves no requests (${name}.${String(key)})`);
    },
  }) as never;
}

/** The OpenAPI document of the app as createApp builds it. */
export function describeApi(): Record<string, unknown> {
  const store = new JobStore(':memory:');
  try {
    return openApiDocument(createApp({ catalog: unserved('catalog'), runner: unserved('runner'), store }));
  } finally {
    store.close();
  }
}

export async function renderOpenApi(): Promise<{ json: string; types: string }> {
  const doc = sortKeys(describeApi()) as OpenAPI3;
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  const types = `${COMMENT_HEADER}${astToString(await openapiTS(doc))}`;
  return { json, types };
}
