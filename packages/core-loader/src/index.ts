export type * from './api.js';
export { Catalog, workspaceRoot, type CatalogEntry, type DiscoverOptions } from './catalog.js';
export { JobRunner, type RunnerOptions } from './runner.js';
export { runJobInline, type InlineOptions } from './inline.js';
export { EventBatch } from './event-batch.js';
export { chooseVariant, fittingVariants, hasFeature, permissionProblem } from './features.js';
export { hostInfo } from './host.js';
export { loadNative, native, verifierRefusal } from './native.js';
export { verifyVariants, type Verification } from './verify.js';
