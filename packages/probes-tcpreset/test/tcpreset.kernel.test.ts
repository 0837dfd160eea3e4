/**
 * tcpreset against resets the test causes and knows, between two network namespaces it makes: a client
 * child in a, a server child in b, both with known pids and comms.
 *   0 a connect to a closed port: b's kernel answers with no socket (NO_SOCKET), a receives it in SYN_SENT
 *   1 an established connection closed with SO_LINGER 0: a sends it (its own, active), b receives it
 *   2 data to a socket whose peer has closed: b's time-wait socket answers (TCP_TIMEWAIT_SOCKET), a receives it
 *   3 data to a socket whose peer has shut down both ways but not closed: b's kernel aborts it
 *     (TCP_ABORT_ON_DATA) and sends the reset; the tcp_receive_reset the kernel fires on that abort is no
 *     reset b received
 *   4 b has shut down both ways, a closes with SO_LINGER 0: b receives a's reset in FIN_WAIT2 (reported late)
 * Every reset appears with its tuple, direction, reason (null where the kernel passes none) and owner,
 * and the sent ones add up to the namespaces' own Tcp.OutRsts.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import type { ResetEvent, TcpresetData } from '@sonde/probes-tcpreset';
import { connSuite } from '../../../test/support/conn-children.js';
import { describeKernel } from '../../../test/support/kernel.js';
import { countedRun } from '../../../test/support/nstat.js';

const PRELUDE = `
import ctypes, json, os, socket, struct, sys, time, select
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
LINGER0 = struct.pack('ii', 1, 0)
`;

const SERVER = `${PRELUDE}
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[2], 0)); srv.listen(8); srv.settimeout(10)
print(json.dumps(dict(pid=os.getpid(), port=srv.getsockname()[1])), flush=True)
kept = []
c, _ = srv.accept(); c.settimeout(10); c.sendall(b'k')   # 1
try:
    c.recv(10)
except ConnectionResetError:
    pass
c.close()
c, _ = srv.accept(); c.close()                           # 2
for i in (3, 4):
    c, _ = srv.accept(); c.shutdown(socket.SHUT_RDWR); kept.append(c)
select.select([sys.stdin], [], [], 15)                   # the client is done
print(json.dumps(dict(done=True)), flush=True)
`;

const CLIENT = `${PRELUDE}
host, port = sys.argv[2], int(sys.argv[3])
out = dict(pid=os.getpid(), lport=[], err=[])
def conn():
    s = socket.socket(); s.settimeout(10); s.connect((host, port)); out['lport'].append(s.getsockname()[1]); return s
def eof(s):
    assert s.recv(10) == b''
    time.sleep(0.3)   # past the delayed ACK of the peer's FIN (pingpong mode: up to 200 ms): it is in FIN_WAIT2
def data_after_eof(s):
    eof(s)
    s.send(b'x' * 10)
    time.sleep(0.1)
    try:
        s.send(b'x'); out['err'].append(0)
    except OSError as e:
        out['err'].append(e.errno)   # the reset in CLOSE_WAIT: EPIPE
    s.close()
s = socket.socket(); out['refused'] = s.connect_ex((host, 9)); out['lport'].append(s.getsockname()[1]); s.close()   # 0
s = conn(); s.recv(1); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0); s.close()                     # 1
data_after_eof(conn())                                                                                              # 2
data_after_eof(conn())                                                                                              # 3
s = conn(); eof(s); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0); s.close()                         # 4
time.sleep(0.1)
print(json.dumps(out), flush=True)
`;

interface Child {
  out: Promise<string[]>;
  stdin: NodeJS.WritableStream;
  /** resolves with the first line it prints */
  first: Promise<string>;
}

function python(ns: string, script: string, args: string[]): Child {
  const p = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
  let out = '';
  let err = '';
  let firstLine!: (l: string) => void;
  const first = new Promise<string>((r) => (firstLine = r));
  p.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) firstLine(out.slice(0, out.indexOf('\n')));
  });
  p.stderr.on('data', (d) => (err += d));
  const done = new Promise<string[]>((resolve, reject) =>
    p.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`${args[0]} exited ${code}: ${err}`)))),
  );
  return { out: done, stdin: p.stdin, first: Promise.race([first, done.then((l) => l[0]!)]) };
}

describeKernel('tcpreset on resets the test causes', () => {
  const s = connSuite<TcpresetData & { events: ResetEvent[] }>('tcpreset', 'rst', { echo: false });

  it('shows each reset with its tuple, direction, reason and owner, and the sent ones add up to Tcp.OutRsts', async () => {
    const { a, b, ipA, ipB, inoA, inoB } = s.pair;
    const { result, data, traffic, delta } = await countedRun<TcpresetData & { events: ResetEvent[] }, { srv: { pid: number; port: number }; cli: { pid: number; lport: number[]; err: number[]; refused: number } }>(
      s.catalog,
      'tcpreset',
      {},
      [a, b],
      async () => {
        const server = python(b, SERVER, ['rst-srv', ipB]);
        const srv = JSON.parse(await server.first) as { pid: number; port: number };
        const client = python(a, CLIENT, ['rst-cli', ipB, String(srv.port)]);
        const cli = JSON.parse((await client.out).pop()!) as { pid: number; lport: number[]; err: number[]; refused: number };
        server.stdin.end('end\n');
        await server.out;
        return { srv, cli };
      },
    );
    const { srv, cli } = traffic;
    expect(cli.refused).toBe(111); // ECONNREFUSED
    expect(cli.err).toEqual([32, 32]); // EPIPE: 2 and 3 were reset

    const ours = data.events.filter((e) => e.netns === inoA || e.netns === inoB);
    console.log(`tcpreset ${result.variant}:\n${ours.map((e) => `  ${e.direction} ${e.netns === inoA ? 'a' : 'b'} ${e.laddr}:${e.lport} ${e.raddr}:${e.rport} ${e.reason} ${e.state} ${e.comm}${e.late ? ' late' : ''}`).join('\n')}`);
    const reasons = result.variant === 'tp_btf' || result.variant === 'tracepoint';
    const why = (r: string) => (reasons ? r : null);
    const cliSide = { netns: inoA, laddr: ipA, raddr: ipB };
    const srvSide = { netns: inoB, laddr: ipB, raddr: ipA };
    const client = { pid: cli.pid, comm: 'rst-cli' };
    const server = { pid: srv.pid, comm: 'rst-srv' };
    const one = (dir: 'sent' | 'received', side: typeof cliSide, lport: number, rport: number) => {
      const found = ours.filter((e) => e.direction === dir && e.netns === side.netns && e.lport === lport && e.rport === rport);
      expect(found, `${dir} ${side.laddr}:${lport} ${side.raddr}:${rport}`).toHaveLength(1);
      expect(found[0]).toMatchObject({ laddr: side.laddr, raddr: side.raddr, family: 4 });
      return found[0]!;
    };
    const none = (dir: 'sent' | 'received', side: typeof cliSide, lport: number, rport: number) =>
      expect(ours.filter((e) => e.direction === dir && e.netns === side.netns && e.lport === lport && e.rport === rport)).toEqual([]);
    const [p0, p1, p2, p3, p4] = cli.lport as [number, number, number, number, number];
    const port = srv.port;

    // 0: no socket at port 9 in b: the tuple is the SYN's, swapped; a's connect receives it in SYN_SENT
    expect(one('sent', srvSide, 9, p0)).toMatchObject({ reason: why('NO_SOCKET'), state: '-', skaddr: '0x0', pid: 0, cgroup: '0', active: false });
    expect(one('received', cliSide, p0, 9)).toMatchObject({ reason: null, state: 'SYN_SENT', ...client });
    none('received', srvSide, 9, p0);
    // 1: a's own reset (close with SO_LINGER 0, in its process: tcp_disconnect has set CLOSE before it sends), received by b's accepted socket
    expect(one('sent', cliSide, p1, port)).toMatchObject({ reason: why('TCP_STATE'), state: 'CLOSE', active: true, ...client });
    expect(one('received', srvSide, port, p1)).toMatchObject({ reason: null, state: 'ESTABLISHED', ...server });
    // 2: b closed: its time-wait socket answers a's data (no owner: a time-wait socket has none); a is in CLOSE_WAIT
    expect(one('sent', srvSide, port, p2)).toMatchObject({ reason: why('TCP_TIMEWAIT_SOCKET'), state: 'TIME_WAIT', active: false, pid: 0 });
    expect(one('received', cliSide, p2, port)).toMatchObject({ reason: null, state: 'CLOSE_WAIT', ...client });
    // 3: b shut down but kept the socket: the kernel aborts it on a's data and sends its reset (owner kept)
    expect(one('sent', srvSide, port, p3)).toMatchObject({ reason: why('TCP_ABORT_ON_DATA'), state: 'CLOSE', active: false, ...server });
    none('received', srvSide, port, p3);
    expect(one('received', cliSide, p3, port)).toMatchObject({ reason: null, state: 'CLOSE_WAIT', ...client });
    // 4: a resets from CLOSE_WAIT; b receives it in FIN_WAIT2, reported once no reset of b's own followed
    expect(one('sent', cliSide, p4, port)).toMatchObject({ reason: why('TCP_STATE'), state: 'CLOSE', active: true, ...client });
    expect(one('received', srvSide, port, p4)).toMatchObject({ reason: null, state: 'FIN_WAIT2', late: true, ...server });
    none('sent', srvSide, port, p4);

    // counted in the kernel: the flows of the two namespaces hold every event above, and the sent ones
    // are what the namespaces' own counter says
    const flows = data.flows.filter((f) => f.netns === inoA || f.netns === inoB);
    const sum = (dir: string) => flows.filter((f) => f.direction === dir).reduce((n, f) => n + f.count, 0);
    expect(sum('sent')).toBe(ours.filter((e) => e.direction === 'sent').length);
    expect(sum('received')).toBe(ours.filter((e) => e.direction === 'received').length);
    expect(sum('sent')).toBe(5);
    expect(sum('received')).toBe(5);
    expect(sum('sent')).toBe(delta('TcpOutRsts'));
    expect(data.total.sent).toBeGreaterThanOrEqual(5);
    expect(data.reasons.find((r) => r.direction === 'received')!.reason).toBeNull();
  });
});
