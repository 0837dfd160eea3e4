/**
 * Reading the SNMP/netstat counters of the network namespace a job watches, at attach and at the end.
 *
 * A worker thread cannot setns, and needs not: /proc/<pid>/net/* shows the namespace of <pid>. So
 * the namespace sonde runs in is /proc/self/net; another one is read through a process that lives in
 * it, or — an `ip netns add` namespace mounted under /run/netns, where often nothing runs — through a
 * `nsenter --net=<mount> cat` child started for the job (it waits on its stdin and ends with it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  crossCheck,
  movedCounters,
  netnsInode,
  parseCounters,
  type CounterSet,
  type KernelReport,
  type ProbeDefinition,
} from '@sonde/probe-sdk';

const NETNS_MOUNTS = ['/run/netns', '/var/run/netns'];
/** longest a reader child may take to enter its namespace */
const ENTER_TIMEOUT_MS = 2000;

export interface CounterReader {
  netns: number;
  /** where the counters come from, for the result */
  source: string;
  /** the counters now; throws when the namespace can no longer be read */
  read(): CounterSet;
  close(): void;
}

function inode(path: string): number | null {
  try {
    return Number(statSync(path).ino);
  } catch {
    return null;
  }
}

/** the three files under a /proc/<pid>/net directory (snmp6 is absent without IPv6) */
export function readCounterDir(dir: string): CounterSet {
  const text = (f: string) => {
    try {
      return readFileSync(join(dir, f), 'utf8');
    } catch (err) {
      if (f === 'snmp6') return undefined;
      throw err;
    }
  };
  return parseCounters({ snmp: text('snmp'), netstat: text('netstat'), snmp6: text('snmp6') });
}

/** a process whose network namespace is `ino`, or null */
export function processInNetns(ino: number): number | null {
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name) && inode(`/proc/${name}/ns/net`) === ino) return Number(name);
  }
  return null;
}

/** the /run/netns mount of namespace `ino`, or null */
export function mountedNetns(ino: number): string | null {
  for (const dir of NETNS_MOUNTS) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (inode(join(dir, n)) === ino) return join(dir, n);
  }
  return null;
}

/** through any process of the namespace; another one is looked for when it leaves */
function processReader(ino: number, pid: number): CounterReader {
  let current = pid;
  return {
    netns: ino,
    source: `/proc/${pid}/net`,
    read() {
      if (inode(`/proc/${current}/ns/net`) !== ino) {
        const next = processInNetns(ino);
        if (next === null) throw new Error(`no process is left in network namespace ${ino}`);
        current = next;
      }
      return readCounterDir(`/proc/${current}/net`);
    },
    close() {},
  };
}

/** a `nsenter --net=<mount> cat` child that sits in the namespace until its stdin closes */
async function enteringReader(ino: number, mount: string): Promise<CounterReader> {
  const child: ChildProcess = spawn('nsenter', [`--net=${mount}`, 'cat'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const failed = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(e.message));
    child.once('close', (code, sig) => resolve(`exited ${sig ?? code}${stderr ? `: ${stderr.trim()}` : ''}`));
  });
  let why: string | null = null;
  void failed.then((w) => (why = w));
  const until = Date.now() + ENTER_TIMEOUT_MS;
  const close = () => {
    child.stdin?.end();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  while (child.pid === undefined || inode(`/proc/${child.pid}/ns/net`) !== ino) {
    if (why !== null || Date.now() > until) {
      close();
      throw new Error(`nsenter --net=${mount} ${why ?? `did not enter within ${ENTER_TIMEOUT_MS} ms`}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  const pid = child.pid;
  return {
    netns: ino,
    source: `nsenter --net=${mount}`,
    read() {
      if (why !== null) throw new Error(`the reader in ${mount} ${why}`);
      return readCounterDir(`/proc/${pid}/net`);
    },
    close,
  };
}

/**
 * The reader for a job's `netns` param (an inode or `pid:<n>`; absent: the namespace sonde runs in).
 * Throws with the reason when the namespace cannot be read.
 */
export async function openCounterReader(netns: number | string | undefined): Promise<CounterReader> {
  const own = inode('/proc/self/ns/net');
  const ino = netns === undefined ? own : netnsInode(netns);
  if (ino === null) throw new Error(`network namespace ${String(netns)} is gone`);
  if (ino === own) return { netns: ino, source: '/proc/self/net', read: () => readCounterDir('/proc/self/net'), close() {} };
  const mount = mountedNetns(ino);
  const pid = processInNetns(ino);
  if (mount) {
    try {
      return await enteringReader(ino, mount);
    } catch (err) {
      if (pid === null) throw err;
    }
  }
  if (pid !== null) return processReader(ino, pid);
  throw new Error(`no process lives in network namespace ${ino} and it is not mounted under ${NETNS_MOUNTS[0]}`);
}

/** One job's two reads and what they say, for its result. */
export class JobCounters {
  private start: { set: CounterSet; at: number } | null = null;
  private failure: string | null = null;

  private constructor(private readonly reader: CounterReader | null, why: string | null) {
    this.failure = why;
  }

  static async open(params: unknown): Promise<JobCounters> {
    const netns = params && typeof params === 'object' ? (params as { netns?: number | string }).netns : undefined;
    try {
      return new JobCounters(await openCounterReader(netns), null);
    } catch (err) {
      return new JobCounters(null, (err as Error).message);
    }
  }

  /** at attach: as close to it as the job's thread gets */
  attached(): void {
    if (!this.reader || this.start) return;
    try {
      this.start = { set: this.reader.read(), at: Date.now() };
    } catch (err) {
      this.failure = `cannot read the counters at attach: ${(err as Error).message}`;
    }
  }

  /**
   * At the end (after detach): the report, with a warning per disagreeing cross-check. Undefined
   * for a job that never attached.
   */
  finish(
    probe: Pick<ProbeDefinition, 'counters' | 'bpf'>,
    job: { data: unknown; params: unknown; variant: string | null; lost: number },
  ): { kernel?: KernelReport; warnings: string[] } {
    try {
      if (job.variant === null) return { warnings: [] };
      if (!this.reader || !this.start) return { kernel: { counters: null, unavailable: this.failure ?? 'not read' }, warnings: [] };
      let end: CounterSet;
      try {
        end = this.reader.read();
      } catch (err) {
        return { kernel: { counters: null, unavailable: `cannot read the counters at the end: ${(err as Error).message}` }, warnings: [] };
      }
      const endAt = Date.now();
      const decl = probe.counters;
      const cannotSee = probe.bpf.variants.find((v) => v.name === job.variant)?.cannotSee;
      const { checks, warnings } =
        decl && job.data !== null && job.data !== undefined
          ? crossCheck(decl, job.data, this.start.set, end, { params: job.params, variant: job.variant, lost: job.lost, ...(cannotSee ? { cannotSee } : {}) })
          : { checks: [], warnings: [] };
      const noPairs = decl ? decl.none : 'the probe declares no counter pairs';
      return {
        kernel: {
          counters: {
            netns: this.reader.netns,
            source: this.reader.source,
            at: { start: new Date(this.start.at).toISOString(), end: new Date(endAt).toISOString() },
            deltas: movedCounters(this.start.set, end),
            crossChecks: checks,
            ...(checks.length === 0 && noPairs ? { noPairs } : {}),
          },
        },
        warnings,
      };
    } finally {
      this.reader?.close();
    }
  }

  close(): void {
    this.reader?.close();
  }
}
