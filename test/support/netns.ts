/**
 * Test hosts: two network namespaces joined by a veth pair, made and removed by the test itself.
 * Addresses are the test's own (10.231.<n>.1 and .2), reachable only between these two namespaces.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';

export interface NetnsPair {
  /** namespace names (ip netns) */
  a: string;
  b: string;
  ipA: string;
  ipB: string;
  /** the veth ends: devA lives in a, devB in b */
  devA: string;
  devB: string;
  /** inode numbers of the namespaces (the `netns` filter value) */
  inoA: number;
  inoB: number;
  /** run a command inside a namespace, wait for it, return stdout */
  exec(ns: string, cmd: string[], timeoutMs?: number): string;
  /** start a long-running command inside a namespace */
  spawn(ns: string, cmd: string[]): ChildProcess;
  destroy(): void;
}

let seq = 0;

export function netnsPair(tag = 'snd'): NetnsPair {
  const n = (process.pid % 200) + (seq++ % 50);
  const a = `${tag}${process.pid}a${seq}`;
  const b = `${tag}${process.pid}b${seq}`;
  const va = `v${process.pid % 100000}a${seq}`.slice(0, 15);
  const vb = `v${process.pid % 100000}b${seq}`.slice(0, 15);
  const ipA = `10.231.${n}.1`;
  const ipB = `10.231.${n}.2`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  ip('netns', 'add', a);
  ip('netns', 'add', b);
  try {
    ip('link', 'add', va, 'netns', a, 'type', 'veth', 'peer', 'name', vb, 'netns', b);
    ip('-n', a, 'addr', 'add', `${ipA}/24`, 'dev', va);
    ip('-n', b, 'addr', 'add', `${ipB}/24`, 'dev', vb);
    for (const [ns, dev] of [[a, va], [b, vb]] as const) {
      ip('-n', ns, 'link', 'set', dev, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    ip('netns', 'del', a);
    ip('netns', 'del', b);
    throw err;
  }
  const ino = (ns: string) => statSync(`/run/netns/${ns}`).ino;
  return {
    a,
    b,
    ipA,
    ipB,
    devA: va,
    devB: vb,
    inoA: ino(a),
    inoB: ino(b),
    exec: (ns, cmd, timeoutMs = 15_000) =>
      execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs }),
    spawn: (ns, cmd) => spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] }),
    destroy: () => {
      for (const ns of [a, b]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
