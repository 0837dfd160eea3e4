import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JSON_FILE, OPENAPI_DIR, renderOpenApi, TYPES_FILE } from './openapi-files.js';

const HOW = 'openapi/ is out of date with the routes: run `npm run build && npm run openapi` and commit openapi/';

describe('generated OpenAPI files', () => {
  it('openapi/openapi.json and openapi/schema.d.ts match the code', async () => {
    const { json, types } = await renderOpenApi();
    const read = (f: string) => {
      try {
        return readFileSync(join(OPENAPI_DIR, f), 'utf8');
      } catch {
        return `(missing ${f})`;
      }
    };
    expect(read(JSON_FILE) === json, `${HOW} (${JSON_FILE} differs)`).toBe(true);
    expect(read(TYPES_FILE) === types, `${HOW} (${TYPES_FILE} differs)`).toBe(true);
  }, 30_000);

  it('the types describe the routes', async () => {
    const { types } = await renderOpenApi();
    expect(types).toMatch(/"\/v1\/jobs\/\{id\}": \{/);
    expect(types).toMatch(/Problem: \{/);
  }, 30_000);
});
