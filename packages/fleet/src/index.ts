export { parseStaticAgents, parseSelector, matches, select, staticDiscovery, FleetConfigError, type Agent, type Discovery } from './agents.js';
export { agentsFromSlices, endpointSliceDiscovery, inClusterOptions, type EndpointSliceOptions } from './endpointslices.js';
export { mergeData, type NodeData } from './merge.js';
export { Coordinator, FleetProblem, describeFailure, type FleetJob, type FleetNode, type CreateBody } from './coordinator.js';
export { createFleetApp, fleetOpenApi, FleetJobSchema, FleetNodeSchema, FleetCreateJobSchema } from './app.js';
export { loadFleetConfig, type FleetConfig } from './config.js';
