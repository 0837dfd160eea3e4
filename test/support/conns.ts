/**
 * Connections made by child processes with a known pid and comm, for probes that attribute events
 * to processes: a python3 server that accepts `conns` connections one after the other, and a python3
 * client that makes them. Each side reads exactly what the other sends, so byte counts are known;
 * the client closes first (active close), the server closes after it reads EOF (passive close).
 * Fixed ports the tests choose sit above ip_local_port_range (32768-60999) so no ephemeral port holds them.
 * Every wait is bounded (socket timeouts, a wall-clock limit on the children).
 */
import { spawn, type ChildProcess } from 'node:child_process';

const SERVER = `
import socket, sys, json
open('/proc/self/comm', 'w').write(sys.argv[1])
host, conns, req, resp = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, int(sys.argv[6]))); s.listen(64); s.settimeout(20)
print(json.dumps({'port': s.getsockname()[1]}), flush=True)
for i in range(conns):
    a, peer = s.accept(); a.settimeout(20); got = 0
    while got < req:
        d = a.recv(65536)
        if not d: break
        got += len(d)
    a.sendall(b'r' * resp)
    while a.recv(65536): pass
    print(json.dumps({'accepted': peer[1], 'lport': a.getsockname()[1], 'got': got}), flush=True)
    a.close()
s.close()
`;

const CLIENT = `
import socket, sys, json, time
open('/proc/self/comm', 'w').write(sys.argv[1])
host, port, conns, req, resp = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
for i in range(conns):
    c = socket.create_connection((host, port), timeout=20)
    lport = c.getsockname()[1]
    c.sendall(b'q' * req); got = 0
    while got < resp:
        d = c.recv(65536)
        if not d: break
        got += len(d)
    c.close()
    print(json.dumps({'lport': lport, 'got': got}), flush=True)
    time.sleep(0.01)
`;

export interface Child {
  pid: number;
  /** JSON lines printed so far */
  lines: Array<Record<string, number>>;
  /** resolves with all lines once the process exits (rejects on non-zero exit or timeout) */
  done: Promise<Array<Record<string, number>>>;
  /** resolves with the first line */
  first: Promise<Record<string, number>>;
  proc: ChildProcess;
}

function run(argv: string[], prefix: string[] = [], limitMs = 30_000): Child {
  const cmd = [...prefix, 'python3', ...argv];
  const proc = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, number>> = [];
  let err = '';
  let buf = '';
  let onFirst: (l: Record<string, number>) => void = () => {};
  let noFirst: (e: Error) => void = () => {};
  const first = new Promise<Record<string, number>>((resolve, reject) => {
    onFirst = resolve;
    noFirst = reject;
  });
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = JSON.parse(buf.slice(0, i)) as Record<string, number>;
      buf = buf.slice(i + 1);
      lines.push(l);
      if (lines.length === 1) onFirst(l);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs);
  const done = new Promise<Array<Record<string, number>>>((resolve, reject) => {
    proc.on('close', (code) => {
      clearTimeout(timer);
      if (lines.length === 0) noFirst(new Error(`python3 exited ${code} before its first line: ${err}`));
      if (code === 0) resolve(lines);
      else reject(new Error(`python3 ${argv[2]} exited ${code}: ${err}`));
    });
  });
  // the pid of the python process itself (with an `ip netns exec` prefix, exec replaces the wrapper)
  return { pid: proc.pid!, lines, done, first, proc };
}

export interface ConnOpts {
  host?: string;
  conns?: number;
  /** bytes the client sends per connection */
  req?: number;
  /** bytes the server answers per connection */
  resp?: number;
  /** command prefix, e.g. ['ip', 'netns', 'exec', 'ns1'] */
  prefix?: string[];
  port?: number;
}

export function pyServer(comm: string, o: ConnOpts = {}): Child {
  const { host = '127.0.0.1', conns = 3, req = 1000, resp = 3000, prefix = [], port = 0 } = o;
  return run(['-c', SERVER, comm, host, String(conns), String(req), String(resp), String(port)], prefix);
}

export function pyClient(comm: string, port: number, o: ConnOpts = {}): Child {
  const { host = '127.0.0.1', conns = 3, req = 1000, resp = 3000, prefix = [] } = o;
  return run(['-c', CLIENT, comm, host, String(port), String(conns), String(req), String(resp)], prefix);
}

/** a server and a client that talk `conns` times; resolves once both exited */
export async function converse(o: ConnOpts & { serverComm: string; clientComm: string; serverPrefix?: string[]; clientPrefix?: string[]; serverHost?: string }) {
  const server = pyServer(o.serverComm, { ...o, host: o.serverHost ?? o.host, prefix: o.serverPrefix ?? o.prefix });
  const { port } = await server.first;
  const client = pyClient(o.clientComm, port!, { ...o, prefix: o.clientPrefix ?? o.prefix });
  const clientLines = await client.done;
  const serverLines = (await server.done).slice(1);
  return { port: port!, server, client, clientPorts: clientLines.map((l) => l.lport!), serverLines, clientLines };
}
