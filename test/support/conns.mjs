// K established loopback TCP connections held open by child processes (python3), for tcpports'
// test and bench. Each child listens on its own port below the ephemeral range (so server-side
// sockets do not use it), connects its share of clients, accepts them, prints its client ports and
// holds everything until its stdin closes, then closes with RST (no TIME_WAIT left). A child holds 2 fds per connection: at most 9 000
// connections per child keeps it under a 20 000 open-file limit. Bounded: at most 40 000
// connections, 60 s to set up.
import { execFileSync, spawn } from 'node:child_process';

const PER_CHILD = 9000;
const MAX_TOTAL = 40_000;

const CHILD = `
import json, socket, struct, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
# close with RST at exit: no TIME_WAIT sockets left behind to skew the next measurement
LINGER0 = struct.pack('ii', 1, 0)
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', port))
l.listen(4096)
cl, sv = [], []
while len(cl) < n:
    b = min(1000, n - len(cl))
    for i in range(b):
        c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0); c.connect(('127.0.0.1', port)); cl.append(c)
    for i in range(b):
        s, _ = l.accept(); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0); sv.append(s)
print(json.dumps({"port": port, "ports": [c.getsockname()[1] for c in cl]}), flush=True)
sys.stdin.read()
`;

/**
 * Open `total` connections over ceil(total / 9000) children, listeners on basePort, basePort+1, ...
 * Resolves with the listener ports, every client's local port, the children's pids and close().
 */
export async function holdConnections(total, basePort) {
  if (total > MAX_TOTAL) throw new Error(`at most ${MAX_TOTAL} connections`);
  const n = Math.max(1, Math.ceil(total / PER_CHILD));
  const children = [];
  const results = [];
  const close = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 5000);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            c.stdin.end();
          }),
      ),
    );
  };
  try {
    for (let i = 0; i < n; i++) {
      const share = Math.floor(total / n) + (i < total % n ? 1 : 0);
      const c = spawn('python3', ['-c', CHILD, String(share), String(basePort + i)], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(c);
      results.push(
        new Promise((resolve, reject) => {
          let out = '';
          let err = '';
          const t = setTimeout(() => reject(new Error(`child ${i} not ready after 60 s: ${err}`)), 60_000);
          c.stdout.on('data', (d) => {
            out += d;
            if (out.endsWith('\n')) {
              clearTimeout(t);
              resolve(JSON.parse(out));
            }
          });
          c.stderr.on('data', (d) => (err += d));
          c.once('exit', (code) => {
            clearTimeout(t);
            reject(new Error(`child ${i} exited with ${code}: ${err}`));
          });
        }),
      );
    }
    const got = await Promise.all(results);
    return { listeners: got.map((g) => g.port), ports: got.flatMap((g) => g.ports), pids: children.map((c) => c.pid), close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** `ss -tan` now: sockets per ss state name, and the distinct local ports in [lo, hi] */
export function ssTan(lo, hi) {
  const out = execFileSync('ss', ['-tanH'], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 60_000 });
  const states = {};
  const ports = new Set();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const f = line.split(/\s+/);
    states[f[0]] = (states[f[0]] ?? 0) + 1;
    const local = f[3];
    const port = Number(local.slice(local.lastIndexOf(':') + 1));
    if (port >= lo && port <= hi) ports.add(port);
  }
  return { states, ports };
}
