import { describe, expect, it } from 'vitest';
import { connectOutcome, errnoName } from './errno.js';

describe('errnoName', () => {
  it.each([
    [111, 'ECONNREFUSED'],
    [-111, 'ECONNREFUSED'],
    [99, 'EADDRNOTAVAIL'],
    [110, 'ETIMEDOUT'],
    [0, ''],
    [4242, 'E4242'],
  ])('%i → %s', (n, want) => expect(errnoName(n)).toBe(want));
});

describe('connectOutcome', () => {
  it.each([
    [1, 0, 'established'],
    [7, 111, 'refused'],
    [7, 110, 'timeout'],
    [7, 113, 'unreachable'],
    [7, 101, 'unreachable'],
    [7, 0, 'aborted'],
    [7, 99, 'error'],
    [2, 0, 'pending'],
    [0, 0, 'pending'],
  ])('state %i err %i → %s', (state, err, want) => expect(connectOutcome(state, err)).toBe(want));
});
