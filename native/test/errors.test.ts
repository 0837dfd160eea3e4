import { existsSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { describeKernel, fixture, fixturePrograms, native, openFixture, u32, waitFor } from './helpers';

const tracefs = existsSync('/sys/kernel/tracing/events') || existsSync('/sys/kernel/debug/tracing/events');

function thrown(fn: () => unknown): Record<string, unknown> & Error {
  try {
    fn();
  } catch (e) {
    return e as Record<string, unknown> & Error;
  }
  throw new Error('expected a throw');
}

afterAll(async () => {
  expect(await waitFor(() => fixturePrograms().length === 0)).toBe(true);
});

describeKernel('BpfError', () => {
  it('open of a missing file: ENOENT at stage open with a hint', () => {
    const e = thrown(() => native.BpfObject.open('/nonexistent/sondefix.bpf.o'));
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'BpfError', code: 'ENOENT', errno: 2, stage: 'open', hint: 'object file not found' });
    expect(e.message).toContain('/nonexistent/sondefix.bpf.o');
  });

  it('open of a file that is not a BPF object fails at stage open', () => {
    const e = thrown(() => native.BpfObject.open('/etc/hostname'));
    expect(e).toMatchObject({ name: 'BpfError', stage: 'open' });
    expect(typeof e.code).toBe('string');
    expect(e.errno).toBeGreaterThan(0);
  });

  it('a verifier rejection carries the code and the verifier log tail', async () => {
    const before = native.openObjectCount();
    const obj = native.BpfObject.open(fixture('bad'));
    let e, closedAfterFailure, openAfterFailure;
    try {
      e = thrown(() => obj.load());
      closedAfterFailure = obj.closed;
      openAfterFailure = native.openObjectCount();
    } finally {
      obj.close();
    }
    expect(e).toMatchObject({ name: 'BpfError', code: 'EACCES', errno: 13, stage: 'load' });
    expect(e.hint).toMatch(/verifier/);
    expect(e.message).toContain("invalid mem access 'map_value_or_null'");
    expect(e.message).toContain('sondefix_bad');
    // a failed load closes the object: nothing of it stays in the kernel
    expect(closedAfterFailure).toBe(true);
    expect(openAfterFailure).toBe(before);
  });

  it('configuration errors name the thing that is missing', () => {
    const obj = openFixture();
    try {
      expect(thrown(() => obj.setGlobal('sondefix_nope', u32(1)))).toMatchObject({ code: 'ENOENT', stage: 'load' });
      expect(() => obj.setGlobal('targ_tgid', Buffer.alloc(8))).toThrow(RangeError);
      expect(thrown(() => obj.setAutoload('sondefix_nope', true))).toMatchObject({ code: 'ENOENT' });
      expect(thrown(() => obj.setMaxEntries('nope', 4))).toMatchObject({ code: 'ENOENT' });
      expect(thrown(() => obj.lookupBatch('counts')).message).toMatch(/not loaded/);
      obj.load();
      expect(thrown(() => obj.setGlobal('targ_tgid', u32(1)))).toMatchObject({ code: 'EALREADY', stage: 'load' });
      expect(thrown(() => obj.load())).toMatchObject({ code: 'EALREADY' });
      expect(thrown(() => obj.attach('sondefix_tp_classic'))).toMatchObject({ code: 'ENOENT', stage: 'attach' });
      expect(thrown(() => obj.ringBuffer('counts'))).toMatchObject({ code: 'EINVAL' });
      expect(thrown(() => obj.lookup('nope', u32(1)))).toMatchObject({ code: 'ENOENT', stage: 'read' });
    } finally {
      obj.close();
    }
  });

  it('attaching a classic tracepoint needs tracefs', () => {
    const obj = openFixture();
    try {
      obj.setAutoload('sondefix_tp_classic', true);
      obj.setAutoload('sondefix_sys_enter', false);
      obj.load();
      if (tracefs) {
        expect(obj.attach('sondefix_tp_classic')).toBe(1);
      } else {
        const e = thrown(() => obj.attach('sondefix_tp_classic'));
        expect(e).toMatchObject({
          name: 'BpfError', code: 'ENOENT', stage: 'attach',
          hint: 'tracefs not mounted: mount -t tracefs nodev /sys/kernel/tracing',
        });
        // attach-all is all or nothing: the failure leaves no link behind
        expect(() => obj.attach()).toThrow(/sondefix_tp_classic/);
      }
    } finally {
      obj.close();
    }
  });

  it('fentry refused by the kernel points to tp_btf', () => {
    const obj = openFixture();
    try {
      obj.setAutoload('sondefix_fentry', true);
      let err: (Record<string, unknown> & Error) | undefined;
      try {
        obj.load();
      } catch (e) {
        err = e as Record<string, unknown> & Error;
      }
      // kernels that allow fentry load it; the test kernel refuses it with EPERM even for root
      if (err) {
        expect(err).toMatchObject({
          name: 'BpfError', code: 'EPERM', stage: 'load',
          hint: 'fentry/fexit programs are not permitted on this kernel: use a tp_btf variant',
        });
      } else {
        expect(obj.programs().find((p) => p.name === 'sondefix_fentry')?.autoload).toBe(true);
      }
    } finally {
      obj.close();
    }
  });
});
