/**
 * N test "hosts": network namespaces each joined to the root namespace by its own veth pair, so the
 * test (in the root namespace) reaches every host at its own address while each host has its own
 * port space. Addresses are the test's own: 10.232.<n>.1 (root end) and 10.232.<n>.2 (the host).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface NetnsHost {
  ns: string;
  /** the host's address, reachable from the root namespace */
  ip: string;
  /** run a command inside the namespace */
  spawn(cmd: string[], opts?: SpawnOptions): ChildProcess;
}

export interface NetnsHosts {
  hosts: NetnsHost[];
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });

export function netnsHosts(n: number, tag = 'sfl'): NetnsHosts {
  const base = (process.pid % 200) + 1;
  const made: string[] = [];
  const hosts: NetnsHost[] = [];
  const destroy = () => {
    for (const ns of made) {
      try {
        ip('netns', 'del', ns); // takes the veth pair with it
      } catch {
        /* already gone */
      }
    }
  };
  try {
    for (let i = 0; i < n; i++) {
      const ns = `${tag}${process.pid}h${i}`;
      const net = `10.232.${(base + i * 7) % 250}`;
      const root = `vf${process.pid % 100000}r${i}`.slice(0, 15);
      const peer = `vf${process.pid % 100000}p${i}`.slice(0, 15);
      ip('netns', 'add', ns);
      made.push(ns);
      ip('link', 'add', root, 'type', 'veth', 'peer', 'name', peer, 'netns', ns);
      ip('addr', 'add', `${net}.1/24`, 'dev', root);
      ip('link', 'set', root, 'up');
      ip('-n', ns, 'addr', 'add', `${net}.2/24`, 'dev', peer);
      ip('-n', ns, 'link', 'set', peer, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      hosts.push({
        ns,
        ip: `${net}.2`,
        spawn: (cmd, opts = {}) => spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], ...opts }),
      });
    }
  } catch (err) {
    destroy();
    throw err;
  }
  return { hosts, destroy };
}
