/** The coordinator's OpenAPI document, committed as openapi/fleet.openapi.json (beside the agent's). */
import { staticDiscovery } from './agents.js';
import { createFleetApp, fleetOpenApi } from './app.js';
import { Coordinator } from './coordinator.js';

export const FLEET_OPENAPI_FILE = new URL('../../../openapi/fleet.openapi.json', import.meta.url).pathname;

export function renderFleetOpenApi(): string {
  return `${JSON.stringify(fleetOpenApi(createFleetApp(new Coordinator({ discovery: staticDiscovery([]) }))), null, 2)}\n`;
}
