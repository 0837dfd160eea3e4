import { describe, expect, it } from 'vitest';
import { drainEvents } from './events.js';
import type { LoadedBpf, ProbeContext } from './kernel.js';

/** a ring holding `pending` 8-byte records, consumed `maxBytes` at a time, like the addon's */
function fakeRing(pending: number) {
  let left = pending;
  return {
    consume(maxBytes = 1 << 20) {
      const records = Math.min(left, Math.floor(maxBytes / 8));
      left -= records;
      const buf = Buffer.alloc(records * 8);
      for (let i = 0; i < records; i++) buf.writeUInt32LE(4, i * 8);
      return { buf, records, bytes: buf.length };
    },
    get left() {
      return left;
    },
  };
}

describe('drainEvents', () => {
  it('empties even a very large ring when the job ends, so no burst is left behind uncounted', async () => {
    // 200 batches of 64 KiB waiting at the end: more than one drain (64 batches) takes
    const ring = fakeRing(200 * 8192);
    let emitted = 0;
    const ctx = {
      wait: async () => false, // the job has already ended
      emit: (b: unknown[]) => (emitted += b.length),
      lost: () => {},
    } as unknown as ProbeContext;
    const bpf = { ringbuf: () => ring, readGlobal: () => Buffer.alloc(8) } as unknown as LoadedBpf;
    const n = await drainEvents(ctx, bpf, { decode: () => ({}), batchBytes: 64 * 1024 });
    expect(ring.left).toBe(0);
    expect(n).toBe(200 * 8192);
    expect(emitted).toBe(n);
  });
});
