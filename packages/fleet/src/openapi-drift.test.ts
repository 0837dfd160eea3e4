import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { FLEET_OPENAPI_FILE, renderFleetOpenApi } from './openapi-file.js';

it('openapi/fleet.openapi.json matches the coordinator routes (and the agent schemas they extend)', () => {
  let committed = '(missing)';
  try {
    committed = readFileSync(FLEET_OPENAPI_FILE, 'utf8');
  } catch {
    /* reported below */
  }
  expect(committed === renderFleetOpenApi(), 'openapi/fleet.openapi.json is out of date: run `npm run build && npm run openapi` and commit openapi/').toBe(true);
});
