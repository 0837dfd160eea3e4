import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { native } from './helpers';

const { features } = native;
const tracefs = existsSync('/sys/kernel/tracing/events') || existsSync('/sys/kernel/debug/tracing/events');

describe('features', () => {
  it('reads vmlinux BTF', () => {
    expect(features.btf()).toBe(true);
    expect(features.btfType('tcp_sock', 'struct')).toBe(true);
    expect(features.btfType('tcp_sock', 'union')).toBe(false);
    expect(features.btfType('tcp_sendmsg', 'func')).toBe(true);
    expect(features.btfType('sondefix_no_such_type')).toBe(false);
  });

  it('finds tp_btf hooks by their btf_trace_ typedef', () => {
    expect(features.tpBtf('tcp_probe')).toBe(true);
    expect(features.tpBtf('inet_sock_set_state')).toBe(true);
    expect(features.tpBtf('sondefix_no_such_event')).toBe(false);
  });

  it('lists enum values (ENUM and ENUM64)', () => {
    const reasons = features.enumValues('skb_drop_reason');
    const overflow = reasons.find((e) => e.name === 'SKB_DROP_REASON_TCP_LISTEN_OVERFLOW');
    expect(overflow?.value).toBeGreaterThan(0);
    expect(reasons.find((e) => e.name === 'SKB_DROP_REASON_NOT_SPECIFIED')?.value).toBe(2);
    expect(features.enumValues('sondefix_no_such_enum')).toEqual([]);
  });

  it('checks classic tracepoints in tracefs', () => {
    // tracefs may or may not be mounted on the test machine: the answer must follow it
    expect(features.tracepoint('sock', 'inet_sock_set_state')).toBe(tracefs);
    expect(features.tracepoint('sock', 'sondefix_no_such_event')).toBe(false);
    expect(features.tracepoint('..', '..')).toBe(false);
  });

  it('probes program types with libbpf', () => {
    expect(features.progType('tracing')).toBe(true);
    expect(features.progType('tp_btf')).toBe(true);
    expect(features.progType('raw_tracepoint')).toBe(true);
    expect(features.progType('tracepoint')).toBe(true);
    expect(features.progType('socket_filter')).toBe(true);
    expect(() => features.progType('sondefix_no_such_type')).toThrow(TypeError);
  });

  it('reports the libbpf version', () => {
    expect(native.libbpfVersion).toMatch(/^\d+\.\d+$/);
  });
});
