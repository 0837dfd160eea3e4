/** `npm run openapi`: regenerate openapi/openapi.json and openapi/schema.d.ts from the routes. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_FILE, OPENAPI_DIR, renderOpenApi, TYPES_FILE } from './openapi-files.js';

const { json, types } = await renderOpenApi();
mkdirSync(OPENAPI_DIR, { recursive: true });
writeFileSync(join(OPENAPI_DIR, JSON_FILE), json);
writeFileSync(join(OPENAPI_DIR, TYPES_FILE), types);
console.log(`wrote ${join(OPENAPI_DIR, JSON_FILE)} and ${TYPES_FILE}`);
