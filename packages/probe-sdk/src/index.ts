export * from './probe.js';
export * from './kernel.js';
export * from './errors.js';
export * from './envelope.js';
export * from './histogram.js';
export * from './address.js';
export * from './filters.js';
export * from './render.js';
