/**
 * __probe__ against traffic the test makes and knows: N connects from one network namespace to a server
 * in another (both made here), by child processes with known pids and comms. Every connection's state
 * changes appear with the right tuple and process, and the kernel's per-state counts cover them.
 */
import { expect, it } from 'vitest';
import type { __Probe__Data, __Probe__Event } from '@sonde/probes-__probe__';
import { acceptIn, connectFrom, connSuite } from '../../../test/support/conn-children.js';
import { describeKernel } from '../../../test/support/kernel.js';

describeKernel('__probe__ on real connections', () => {
  const s = connSuite<__Probe__Data & { events: __Probe__Event[] }>('__probe__', 'tpl', { echo: false });

  it('shows each connection’s state changes with its tuple and process, counted per state in the kernel', async () => {
    const N = 3;
    const { data, work } = await s.traced({ netns: s.pair.inoA }, async () => {
      const srv = await acceptIn('tpl-srv', s.pair.ipB, N, s.pair.b);
      const cli = await connectFrom('tpl-cli', [...Array(N)].map(() => ({ host: s.pair.ipB, port: srv.port })), s.pair.a);
      await srv.done;
      return { srv, cli };
    });
    // the client's side (in namespace a): CLOSE -> SYN_SENT (before connect() picks the local port: lport 0),
    // then SYN_SENT -> ESTABLISHED on the port it got, all in the connecting process
    const opens = data.events.filter((e) => e.oldstate === 'CLOSE' && e.newstate === 'SYN_SENT' && e.rport === work.srv.port);
    expect(opens.map((e) => e.pid)).toEqual(work.cli.results.map(() => work.cli.pid));
    for (const r of work.cli.results) {
      const est = data.events.filter((e) => e.lport === r.lport && e.rport === work.srv.port && e.newstate === 'ESTABLISHED');
      expect(est).toHaveLength(1);
      expect(est[0]).toMatchObject({ oldstate: 'SYN_SENT', pid: work.cli.pid, comm: 'tpl-cli', laddr: s.pair.ipA, raddr: s.pair.ipB, netns: s.pair.inoA });
    }
    // counted in the kernel: every change the events show (none were lost)
    expect(data.total).toBe(data.events.length);
    expect(data.byState.SYN_SENT).toBe(N);
    expect(data.byState.ESTABLISHED).toBe(N);
  });
});
