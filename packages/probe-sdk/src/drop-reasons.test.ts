import { describe, expect, it } from 'vitest';
import { dropReasons } from './drop-reasons.js';

// the shape BTF gives on 6.18 (values differ across kernels: that is why there is no table here)
const reasons = [
  { name: 'SKB_NOT_DROPPED_YET', value: 0 },
  { name: 'SKB_CONSUMED', value: 1 },
  { name: 'SKB_DROP_REASON_NOT_SPECIFIED', value: 2 },
  { name: 'SKB_DROP_REASON_NO_SOCKET', value: 3 },
  { name: 'SKB_DROP_REASON_TCP_LISTEN_OVERFLOW', value: 40 },
  { name: 'SKB_DROP_REASON_TC_EGRESS', value: 62 },
  { name: 'SKB_DROP_REASON_MAX', value: 128 },
  { name: 'SKB_DROP_REASON_SUBSYS_MASK', value: 0xffff0000 },
];
const subsystems = [
  { name: 'SKB_DROP_REASON_SUBSYS_CORE', value: 0 },
  { name: 'SKB_DROP_REASON_SUBSYS_MAC80211_UNUSABLE', value: 1 },
  { name: 'SKB_DROP_REASON_SUBSYS_OPENVSWITCH', value: 2 },
  { name: 'SKB_DROP_REASON_SUBSYS_NUM', value: 3 },
];

describe('dropReasons', () => {
  const t = dropReasons(reasons, subsystems);
  it.each([
    [2, 'NOT_SPECIFIED'],
    [3, 'NO_SOCKET'],
    [40, 'TCP_LISTEN_OVERFLOW'],
    [62, 'TC_EGRESS'],
    [1, 'SKB_CONSUMED'],
    [99, 'REASON_99'],
    [(2 << 16) | 5, 'OPENVSWITCH:5'],
    [(9 << 16) | 1, 'SUBSYS_9:1'],
  ])('%i is %s', (v, name) => {
    expect(t.name(v)).toBe(name);
  });
  it('finds values by name, with or without the prefix', () => {
    expect(t.value('TCP_LISTEN_OVERFLOW')).toBe(40);
    expect(t.value('SKB_DROP_REASON_NO_SOCKET')).toBe(3);
    expect(t.value('MAX')).toBeUndefined();
    expect(t.value('TCP_NOT_ON_THIS_KERNEL')).toBeUndefined();
  });
  it('names subsystems', () => {
    expect(t.subsystem(40)).toBe('CORE');
    expect(t.subsystem((2 << 16) | 5)).toBe('OPENVSWITCH');
  });
});
