/**
 * TCP peers as child processes with a known pid and comm (python3 renames itself through
 * /proc/self/comm), moving exact byte counts — ground truth for byte-counting probes.
 * Every socket has a 10 s timeout and every wait here is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = String.raw`
import socket, sys, time, select
role, comm, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a = [int(x) for x in sys.argv[5:]]
open('/proc/self/comm', 'w').write(comm)
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
def recv_exact(c, n):
    got = 0
    while got < n:
        d = c.recv(min(65536, n - got))
        if not d: break
        got += len(d)
    return got
if role == 'server':
    nrecv, nsend = a[0], a[1]
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(8); s.settimeout(10)
    print(s.getsockname()[1], flush=True)
    c, _ = s.accept(); c.settimeout(10)
    got = recv_exact(c, nrecv)
    c.sendall(b's' * nsend)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
    print('done', got, flush=True)
elif role == 'client':
    nsend, nrecv, chunk = a[0], a[1], a[2]
    c = socket.socket(fam, socket.SOCK_STREAM); c.settimeout(10)
    c.connect((host, port))
    print(c.getsockname()[1], flush=True)
    sent = 0
    while sent < nsend:
        sent += c.send(b'c' * min(chunk, nsend - sent))
    got = recv_exact(c, nrecv)
    c.close()
    print('done', got, flush=True)
elif role == 'slowreader':
    # one connection; for each of n messages: wait until it is readable (poll, not a read),
    # sleep delay ms, read it whole, answer one byte
    n, size, delay = a[0], a[1], a[2]
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(8); s.settimeout(10)
    print(s.getsockname()[1], flush=True)
    c, _ = s.accept(); c.settimeout(10)
    for i in range(n):
        select.select([c], [], [], 10)
        time.sleep(delay / 1000.0)
        recv_exact(c, size)
        print('r', time.monotonic_ns(), flush=True)
        c.sendall(b'k')
    c.close()
    print('done', n, flush=True)
elif role == 'pinger':
    # sends n messages of size bytes, each after the previous one's 1-byte answer
    n, size = a[0], a[1]
    c = socket.socket(fam, socket.SOCK_STREAM); c.settimeout(10)
    c.connect((host, port))
    print(c.getsockname()[1], flush=True)
    for i in range(n):
        print('s', time.monotonic_ns(), flush=True)
        c.sendall(b'p' * size)
        recv_exact(c, 1)
    c.close()
    print('done', n, flush=True)
elif role == 'pingpair':
    # k connections to itself, established before anything is asked, the first h of them half-closed
    # by their client (client FIN_WAIT2, server CLOSE_WAIT); on 'go' (stdin) n round trips of size
    # bytes each way on each of the others, one after the other; 'rounds' once they are done, and on
    # 'end' (stdin) the connections close
    k, n, size = a[0], a[1], a[2]
    h = a[3] if len(a) > 3 else 0
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((host, port)); s.listen(k); s.settimeout(10)
    cl = [socket.create_connection((host, s.getsockname()[1]), timeout=10) for i in range(k)]
    sv = [s.accept()[0] for i in range(k)]
    for x in cl + sv:
        x.settimeout(10); x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for c in cl[:h]:
        c.shutdown(socket.SHUT_WR)
    print(s.getsockname()[1], flush=True)
    select.select([sys.stdin], [], [], 20); sys.stdin.readline()
    for r in range(n):
        for c, v in zip(cl[h:], sv[h:]):
            c.sendall(b'p' * size); recv_exact(v, size)
            v.sendall(b'q' * size); recv_exact(c, size)
    print('rounds', n * k, flush=True)
    select.select([sys.stdin], [], [], 20); sys.stdin.readline()
    for x in cl + sv: x.close()
    print('done', n * k, flush=True)
`;

export interface PyPeer {
  proc: ChildProcess;
  pid: number;
  /** the port it printed first: the listening port (servers) or its local port (clients) */
  port: Promise<number>;
  /** resolves with its 'done <n>' count, rejects on a non-zero exit */
  done: Promise<number>;
  /**
   * CLOCK_MONOTONIC ns (the clock BPF's ktime uses) printed per message: the pinger's 's' just before
   * each send, the slow reader's 'r' just after each read returned
   */
  stamps(tag: 's' | 'r'): number[];
  /** pingpair: a line to its stdin ('go', 'end') */
  say(line: string): void;
  /** resolves once it has printed a line starting with `word` (rejects after `ms` or on exit) */
  printed(word: string, ms?: number): Promise<void>;
  kill(): void;
}

/**
 * Start a peer. `prefix` runs it under another command (e.g. ['ip', 'netns', 'exec', ns]); the
 * pid stays the python process's, since `ip netns exec` execs it.
 */
export function pyPeer(role: 'server' | 'client' | 'slowreader' | 'pinger' | 'pingpair', comm: string, host: string, port: number, args: number[], prefix: string[] = []): PyPeer {
  const cmd = [...prefix, 'python3', '-c', SCRIPT, role, comm, host, String(port), ...args.map(String)];
  const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: [role === 'pingpair' ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onPort: (p: number) => void;
  let onPortErr: (e: Error) => void;
  const port$ = new Promise<number>((res, rej) => ((onPort = res), (onPortErr = rej)));
  proc.stdout!.on('data', (d) => {
    out += d;
    const m = /^(\d+)\n/.exec(out);
    if (m) onPort(Number(m[1]));
  });
  proc.stderr!.on('data', (d) => (err += d));
  const done = new Promise<number>((res, rej) => {
    // a pingpair waits for its go and end (a job attaching in a slow guest in between)
    const timer = setTimeout(() => proc.kill('SIGKILL'), role === 'pingpair' ? 60_000 : 20_000);
    proc.on('close', (code) => {
      clearTimeout(timer);
      const m = /done (\d+)/.exec(out);
      if (code === 0 && m) res(Number(m[1]));
      else {
        const e = new Error(`${role} ${comm} exited ${code}: ${err.trim()}`);
        onPortErr(e);
        rej(e);
      }
    });
  });
  done.catch(() => {});
  port$.catch(() => {});
  const stamps = (tag: 's' | 'r') => [...out.matchAll(new RegExp(`^${tag} (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
  const printed = async (word: string, ms = 30_000) => {
    const until = Date.now() + ms;
    while (!new RegExp(`^${word}\\b`, 'm').test(out)) {
      if (proc.exitCode !== null || Date.now() > until) throw new Error(`${role} ${comm} never printed '${word}': ${err.trim()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const say = (line: string) => proc.stdin?.write(line + '\n');
  return { proc, pid: proc.pid!, port: port$, done, stamps, say, printed, kill: () => proc.kill('SIGKILL') };
}
