import { hostname, release } from 'node:os';

let cached: { hostname: string; kernel: string } | undefined;

export function hostInfo(): { hostname: string; kernel: string } {
  cached ??= { hostname: hostname(), kernel: release() };
  return cached;
}
