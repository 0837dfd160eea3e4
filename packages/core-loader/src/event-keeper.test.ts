import { describe, expect, it } from 'vitest';
import { EventBatch } from './event-batch.js';
import { EventKeeper } from './event-keeper.js';

/** `n` raw records of 4-byte samples holding 0..n-1 (splitRecords layout: u32 length, sample, pad to 8) */
function records(from: number, n: number): Buffer {
  const buf = Buffer.alloc(8 * n);
  for (let i = 0; i < n; i++) {
    buf.writeUInt32LE(4, 8 * i);
    buf.writeUInt32LE(from + i, 8 * i + 4);
  }
  return buf;
}

describe('EventBatch', () => {
  it('knows its length without decoding, and decodes once for every reader', () => {
    let calls = 0;
    const b = EventBatch.records(records(10, 3), 3, (s) => (calls++, s.readUInt32LE(0)), () => {});
    expect(b.length).toBe(3);
    expect(b.isDecoded).toBe(false);
    expect(calls).toBe(0);
    expect(b.events()).toEqual([10, 11, 12]);
    expect(b.events()).toBe(b.events());
    expect(calls).toBe(3);
  });

  it('reports a decoder that throws and keeps what came before', () => {
    const errors: string[] = [];
    const b = EventBatch.records(records(0, 3), 3, (s) => {
      if (s.readUInt32LE(0) === 2) throw new Error('bad record');
      return s.readUInt32LE(0);
    }, (m) => errors.push(m));
    expect(b.events()).toEqual([0, 1]);
    expect(errors).toEqual(['events not decoded: bad record']);
  });
});

describe('EventBatch.fromProbe', () => {
  it('decodes with the definition’s decode, and says so once when there is none', () => {
    const warnings: string[] = [];
    const def = { name: 'x', decode: (s: Buffer) => s.readUInt32LE(0) };
    expect(EventBatch.fromProbe(def, records(5, 2), 2, warnings).events()).toEqual([5, 6]);
    for (let i = 0; i < 2; i++) expect(EventBatch.fromProbe({ name: 'y' }, records(0, 2), 2, warnings).length).toBe(0);
    expect(EventBatch.fromProbe(null, records(0, 1), 1, warnings).length).toBe(0);
    expect(warnings).toEqual(['events not decoded: probe y declares no decode', 'events not decoded: the probe module could not be imported']);
  });
});

describe('EventKeeper', () => {
  it('keeps the first max events in order and counts the rest exactly', () => {
    const k = new EventKeeper(5);
    k.add(EventBatch.of([1, 2, 3]));
    k.add(EventBatch.of([4, 5, 6, 7]));
    k.add(EventBatch.of([8]));
    expect(k.kept()).toEqual([1, 2, 3, 4, 5]);
    expect(k.seen).toBe(8);
    expect(k.dropped).toBe(3);
    expect(k.attach({ counts: { a: 8 } })).toEqual({ counts: { a: 8 }, events: [1, 2, 3, 4, 5] });
  });

  it('never decodes batches past the cap', () => {
    const k = new EventKeeper(4);
    const first = EventBatch.records(records(0, 4), 4, (s) => s.readUInt32LE(0), () => {});
    const late = EventBatch.records(records(4, 4), 4, () => {
      throw new Error('decoded past the cap');
    }, () => {});
    k.add(first);
    k.add(late);
    expect(k.kept()).toEqual([0, 1, 2, 3]);
    expect(late.isDecoded).toBe(false);
    expect(k.seen).toBe(8);
    expect(k.dropped).toBe(4);
  });
});
