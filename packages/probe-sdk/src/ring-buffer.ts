/**
 * The `events` ring buffer's size as a probe parameter (bpf/include/events.h; the loader resizes the
 * map before load): how big a burst the kernel can hold while user space catches up. Past it,
 * records are lost in the kernel and counted (stats.lost).
 */
import { z } from 'zod';

/** 4 MiB: ~35 000 records of ~120 bytes */
export const DEFAULT_RING_KIB = 4096;

/** `bufferKiB`: a power of two, 256..262144 KiB */
export function ringBufferKiB(defaultKiB = DEFAULT_RING_KIB) {
  return z
    .number()
    .int()
    .min(256)
    .max(262_144)
    .refine((n) => (n & (n - 1)) === 0, 'bufferKiB must be a power of two')
    .default(defaultKiB)
    .describe('kernel ring buffer for events, KiB (a power of two, 256..262144): room for bursts while user space catches up');
}

/** LoadOptions.maxEntries for an `events` ring of `kib` KiB */
export function ringEntries(kib: number): Record<string, number> {
  return { events: kib * 1024 };
}
