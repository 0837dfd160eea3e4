import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kallsyms, parseKallsyms, symbolizeStack } from './kallsyms.js';

const TEXT = [
  'ffffffff81000000 T _stext',
  'ffffffff81a00000 D some_data', // data: never a frame
  'ffffffff81100000 t tcp_v4_rcv',
  'ffffffff810ffff0 T __pfx_tcp_v4_rcv',
  'ffffffff81200000 T kfree_skb_reason',
  'ffffffff81300000 T bpf_trace_run4',
  'ffffffff81400000 W weak_fn',
  'ffffffffc0201000 t veth_xmit\t[veth]',
  'ffffffffc0300000 t bpf_prog_6deef7357e7b4530_tcpdrop_kfree\t[bpf]',
  '0000000000000000 T hidden_by_kptr_restrict',
].join('\n');

describe('parseKallsyms', () => {
  const t = parseKallsyms(TEXT);

  it.each([
    { ip: 0xffffffff81100000n, want: 'tcp_v4_rcv+0x0' },
    { ip: 0xffffffff811004a2n, want: 'tcp_v4_rcv+0x4a2' },
    // the __pfx_ padding symbol is dropped, data symbols are not text
    { ip: 0xffffffff810ffff8n, want: '_stext+0xffff8' },
    { ip: 0xffffffff81a00010n, want: 'weak_fn+0x600010' },
    { ip: 0xffffffffc0201010n, want: 'veth_xmit+0x10 [veth]' },
    { ip: 0xffffffffc0300044n, want: 'bpf_prog_6deef7357e7b4530_tcpdrop_kfree+0x44 [bpf]' },
    // below the first symbol / not a kernel address
    { ip: 0xfffffffe00000000n, want: '0xfffffffe00000000' },
    { ip: 0x400000n, want: '0x400000' },
  ])('$want', ({ ip, want }) => {
    expect(t.format(ip)).toBe(want);
  });

  it('keeps text symbols only and sorts them', () => {
    expect(t.size).toBe(7);
    expect(t.resolve(0xffffffff81200010n)).toEqual({ name: 'kfree_skb_reason', offset: 0x10 });
    expect(t.resolve(0xffffffffc0201001n)).toEqual({ name: 'veth_xmit', offset: 1, module: 'veth' });
  });

  it('is unusable when kptr_restrict zeroes every address', () => {
    const hidden = parseKallsyms('0000000000000000 T _stext\n0000000000000000 t tcp_v4_rcv\n');
    expect(hidden.usable).toBe(false);
    expect(hidden.format(0xffffffff81100000n)).toBe('0xffffffff81100000');
  });
});

describe('symbolizeStack', () => {
  const t = parseKallsyms(TEXT);
  it('drops the BPF program and trampoline frames at the top of a tp_btf stack', () => {
    const ips = [0xffffffffc0300044n, 0xffffffff81300020n, 0xffffffff81200030n, 0xffffffff81100100n];
    expect(symbolizeStack(ips, t)).toEqual(['kfree_skb_reason+0x30', 'tcp_v4_rcv+0x100']);
  });
  it('skips through the trampoline even when the program frame does not resolve', () => {
    expect(symbolizeStack([0xffffffffa0000000n, 0xffffffff81300020n, 0xffffffff81100100n], t)).toEqual(['tcp_v4_rcv+0x100']);
  });
  it('leaves a stack without BPF frames alone', () => {
    expect(symbolizeStack([0xffffffff81200030n, 0xffffffff81100100n], t)).toEqual(['kfree_skb_reason+0x30', 'tcp_v4_rcv+0x100']);
  });
});

describe.runIf(existsSync('/proc/kallsyms'))('kallsyms() on this machine', () => {
  it('is read once and shared', () => {
    expect(kallsyms()).toBe(kallsyms());
  });
  it.runIf(process.getuid?.() === 0)('resolves a core kernel function to itself', () => {
    const t = kallsyms();
    expect(t.usable).toBe(true);
    expect(t.size).toBeGreaterThan(10_000);
  });
});
