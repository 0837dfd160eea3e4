/**
 * Forced retransmits for kernel tests: compile test/support/tc-drop.bpf.c for a port, attach it to
 * a veth's clsact egress inside the test's namespace, and read TcpRetransSegs there with nstat.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SRC = new URL('./tc-drop.bpf.c', import.meta.url).pathname;

/** `defines`: extra -D switches of tc-drop.bpf.c, e.g. 'DROP_FIRST_TRANSMISSION' (lost tails: tail-loss probes) */
export function compileDropper(port: number, defines: string[] = []): string {
  const out = join(mkdtempSync(join(tmpdir(), 'sonde-tc-')), 'drop.o');
  const d = defines.map((x) => `-D${x}`);
  execFileSync('clang', ['-target', 'bpf', '-O2', '-g', `-DDROP_PORT=${port}`, ...d, '-I/usr/include/x86_64-linux-gnu', '-c', SRC, '-o', out], { timeout: 30_000 });
  return out;
}

/**
 * Drop on the receiver's ingress (`dev` in namespace `ns`), not the sender's egress: a packet shot at
 * the sender's own qdisc comes back to TCP as a local send failure and is sent again as new data,
 * never counted as a retransmit. `senderNs`/`senderDev` get gso_max_segs 1 so every segment is its
 * own packet. Returns a detach function.
 */
export function attachDropper(ns: string, dev: string, obj: string, senderNs: string, senderDev: string): () => void {
  const tc = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'tc', ...args], { timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  execFileSync('ip', ['-n', senderNs, 'link', 'set', senderDev, 'gso_max_segs', '1'], { timeout: 10_000, stdio: 'ignore' });
  tc('qdisc', 'add', 'dev', dev, 'clsact');
  tc('filter', 'add', 'dev', dev, 'ingress', 'bpf', 'direct-action', 'obj', obj, 'sec', 'tc');
  return () => {
    try {
      tc('qdisc', 'del', 'dev', dev, 'clsact');
    } catch {
      /* namespace already gone */
    }
  };
}

/** absolute TcpRetransSegs of a namespace (nstat -a: absolute, -s: leave the history file alone) */
export function retransSegs(ns: string): number {
  return nstatCounter(ns, 'TcpRetransSegs');
}

/** an absolute nstat counter of a namespace, e.g. 'TcpExtTCPLossProbes' (-z: zero counters are listed too) */
export function nstatCounter(ns: string, name: string): number {
  const out = execFileSync('ip', ['netns', 'exec', ns, 'nstat', '-asz', name], { encoding: 'utf8', timeout: 10_000 });
  const m = new RegExp(`${name}\\s+(\\d+)`).exec(out);
  if (!m) throw new Error(`no ${name} in nstat output: ${out}`);
  return Number(m[1]);
}
