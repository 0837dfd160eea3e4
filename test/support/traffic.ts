/**
 * Known traffic for kernel tests: echo servers on ports the test picks, ping-pong clients on loopback,
 * and the kernel's own view of those connections from `ss -ti`. Every loop is bounded in count and time.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';

export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

/** a loopback port nothing listens on (bound, then closed): connects to it are refused with a reset */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export async function echoServer(host = '127.0.0.1', port = 0): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => s.write(d));
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface PingPong {
  /** round trips completed (each one an echo the client received) */
  rounds: number;
  /** client sockets' local ports */
  localPorts: number[];
  /** every connection has made its rounds (maxRounds, maxMs) or closed */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * `conns` clients each send `size` bytes and wait for the echo, over and over, until stop()
 * or `maxRounds` per connection or `maxMs`, whichever comes first.
 */
export async function pingPong(
  port: number,
  opts: { conns?: number; size?: number; maxRounds?: number; maxMs?: number; host?: string } = {},
): Promise<PingPong> {
  const { conns = 4, size = 64, maxRounds = 20_000, maxMs = 20_000, host = '127.0.0.1' } = opts;
  const payload = Buffer.alloc(size, 0x61);
  const until = Date.now() + maxMs;
  let stopped = false;
  const state: PingPong = { rounds: 0, localPorts: [], done: Promise.resolve(), stop: async () => {} };
  const sockets: net.Socket[] = [];
  const done: Promise<void>[] = [];
  for (let i = 0; i < conns; i++) {
    const s = net.connect({ port, host, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    sockets.push(s);
    state.localPorts.push(s.localPort!);
    done.push(
      new Promise<void>((resolve) => {
        let got = 0;
        let rounds = 0;
        s.on('data', (d) => {
          got += d.length;
          while (got >= size) {
            got -= size;
            rounds++;
            state.rounds++;
            if (stopped || rounds >= maxRounds || Date.now() > until) return resolve();
            s.write(payload);
          }
        });
        s.on('close', () => resolve());
        s.on('error', () => resolve());
        s.write(payload);
      }),
    );
  }
  state.done = Promise.all(done).then(() => {});
  state.stop = async () => {
    stopped = true;
    await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, 2000))]);
    for (const s of sockets) s.destroy();
  };
  return state;
}

export interface SsConn {
  local: string;
  lport: number;
  peer: string;
  rport: number;
  /** smoothed RTT in microseconds, from `rtt:<srtt>/<rttvar>` (ms) */
  srttUs: number;
}

/** The kernel's view of established TCP connections touching `port`. */
export function ssRtt(port: number): SsConn[] {
  const out = execFileSync('ss', ['-tinH', 'state', 'established', `( sport = :${port} or dport = :${port} )`], {
    encoding: 'utf8',
  });
  const conns: SsConn[] = [];
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i]!.trim().split(/\s+/);
    if (head.length < 4) continue;
    const [local, peer] = [head[head.length - 2]!, head[head.length - 1]!];
    const info = lines[i + 1] ?? '';
    const m = /\brtt:([\d.]+)\//.exec(info);
    if (!m) continue;
    const split = (a: string) => {
      const k = a.lastIndexOf(':');
      return [a.slice(0, k).replace(/^\[|\]$/g, ''), Number(a.slice(k + 1))] as const;
    };
    const [l, lp] = split(local);
    const [p, rp] = split(peer);
    conns.push({ local: l, lport: lp, peer: p, rport: rp, srttUs: Number(m[1]) * 1000 });
    i++;
  }
  return conns;
}
