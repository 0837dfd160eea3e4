/** `npm run openapi` (after the agent's): regenerate openapi/fleet.openapi.json from the coordinator's routes. */
import { writeFileSync } from 'node:fs';
import { FLEET_OPENAPI_FILE, renderFleetOpenApi } from './openapi-file.js';

writeFileSync(FLEET_OPENAPI_FILE, renderFleetOpenApi());
console.log(`wrote ${FLEET_OPENAPI_FILE}`);
