import { readFileSync } from 'node:fs';

/** control-api's own version (from its package.json; the same path works from src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
