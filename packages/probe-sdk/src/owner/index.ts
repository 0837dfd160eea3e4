/** Who owns a socket: cgroup id → cgroup path → container/pod (README.md in this folder). */
export * from './mount.js';
export * from './naming.js';
export * from './hierarchy.js';
export * from './label-selector.js';
export * from './pods.js';
export * from './services.js';
export * from './resolver.js';
export * from './filter.js';
export * from './attach.js';
