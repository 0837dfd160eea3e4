import { describe, expect, it } from 'vitest';
import { DEFAULT_RING_KIB, ringBufferKiB, ringEntries } from './ring-buffer.js';

describe('ringBufferKiB', () => {
  it('defaults, and takes powers of two from 256 KiB to 256 MiB', () => {
    expect(ringBufferKiB().parse(undefined)).toBe(DEFAULT_RING_KIB);
    expect(ringBufferKiB(16_384).parse(undefined)).toBe(16_384);
    expect(ringBufferKiB().parse(256)).toBe(256);
    expect(ringBufferKiB().parse(262_144)).toBe(262_144);
  });

  it('refuses sizes the kernel would refuse, naming the rule', () => {
    expect(ringBufferKiB().safeParse(3000).error?.issues[0]?.message).toMatch(/power of two/);
    expect(ringBufferKiB().safeParse(128).success).toBe(false);
    expect(ringBufferKiB().safeParse(524_288).success).toBe(false);
    expect(ringBufferKiB().safeParse(1024.5).success).toBe(false);
  });

  it('becomes the loader\'s max_entries of the events map, in bytes', () => {
    expect(ringEntries(4096)).toEqual({ events: 4 * 1024 * 1024 });
  });
});
