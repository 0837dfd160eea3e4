import { describe, expect, it } from 'vitest';
import { JOB_ID_RE, jobIdTime, newJobId } from './ids.js';

describe('newJobId', () => {
  it('is j_ + ULID carrying its creation time', () => {
    const id = newJobId(1_732_550_400_123);
    expect(id).toMatch(JOB_ID_RE);
    expect(jobIdTime(id)).toBe(1_732_550_400_123);
  });

  it('sorts in creation order, also within one millisecond and when the clock steps back', () => {
    const now = Date.now() + 10_000;
    const ids = [newJobId(now), newJobId(now), newJobId(now), newJobId(now - 5000), newJobId(now + 1)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
