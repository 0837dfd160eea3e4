/**
 * The kernel's own counters of a test namespace, read the way a user reads them — `nstat -asz`
 * inside it (absolute values, zeros listed, nstat's history file left alone) — independently of
 * sonde's own reader, and a job that watches the namespace while the test's traffic runs, with the
 * counters read just before the traffic and just after it has settled, the job still attached.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { Catalog } from '@sonde/core-loader';
import type { CrossCheck, ResultEnvelope } from '@sonde/probe-sdk';
import { runWhile } from './job-while.js';

/** nstat name (`TcpActiveOpens`, `TcpExtListenOverflows`, `IpExtOutOctets`) → absolute value */
export type Nstat = Map<string, number>;

/** every counter of namespace `ns` (an `ip netns` name; null: this process's) */
export function nstatAll(ns: string | null): Nstat {
  const cmd = ['nstat', '-asz'];
  const out = execFileSync(ns ? 'ip' : 'nstat', ns ? ['netns', 'exec', ns, ...cmd] : cmd.slice(1), { encoding: 'utf8', timeout: 10_000 });
  const set: Nstat = new Map();
  for (const line of out.split('\n')) {
    const m = /^(\w+)\s+(\d+)/.exec(line);
    if (m) set.set(m[1]!, Number(m[2]));
  }
  return set;
}

/**
 * A gauge of /proc/net/snmp (`Tcp`, `CurrEstab`) in namespace `ns`, read from the file itself: nstat
 * leaves gauges out.
 */
export function snmpGauge(ns: string, group: string, name: string): number {
  const text = execFileSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp'], { encoding: 'utf8', timeout: 10_000 });
  const [head, vals] = text.split('\n').filter((l) => l.startsWith(`${group}: `));
  const i = head?.split(/\s+/).indexOf(name) ?? -1;
  if (!vals || i < 0) throw new Error(`no ${group} ${name} in /proc/net/snmp of ${ns}`);
  return Number(vals.split(/\s+/)[i]);
}

/** end − start of each nstat name; a name neither read has is an error (a typo, not a zero) */
export function nstatDelta(start: Nstat, end: Nstat): (name: string) => number {
  return (name) => {
    const a = start.get(name);
    const b = end.get(name);
    if (a === undefined || b === undefined) throw new Error(`nstat has no ${name}`);
    return b - a;
  };
}

export interface Counted<D, T> {
  result: ResultEnvelope<D>;
  data: D;
  traffic: T;
  /** the nstat delta of one counter over the traffic (nstat name) */
  delta(name: string): number;
  /** the moved counters, for the log */
  moved: Record<string, number>;
}

/**
 * Run `probe` (filtered to the namespace by the caller's params) and, once attached, read `ns`'s
 * counters (several namespaces: summed), run the traffic, wait `settleMs` for the last ACKs and state changes, read them again,
 * then stop the job. The job's window holds the test's: the kernel figure is the test's ground truth.
 */
export async function countedRun<D, T>(
  catalog: Catalog,
  probe: string,
  params: Record<string, unknown>,
  ns: string | readonly string[],
  traffic: () => Promise<T>,
  settleMs = 300,
): Promise<Counted<D, T>> {
  // several namespaces: each counter summed over them
  const read = () => {
    const sum: Nstat = new Map();
    for (const n of typeof ns === 'string' ? [ns] : ns) for (const [k, v] of nstatAll(n)) sum.set(k, (sum.get(k) ?? 0) + v);
    return sum;
  };
  let start: Nstat | undefined;
  let end: Nstat | undefined;
  const { result, traffic: t } = await runWhile<D, T>(
    probe,
    params,
    async () => {
      start = read();
      const out = await traffic();
      await new Promise((r) => setTimeout(r, settleMs));
      end = read();
      return out;
    },
    { catalog, settleMs: 100 },
  );
  expect(result.stoppedBy, `${probe}: the job outlived its traffic or failed: ${JSON.stringify(result.error ?? null)}`).toBe('cancel');
  const delta = nstatDelta(start!, end!);
  const moved = Object.fromEntries([...end!].filter(([k, v]) => v !== (start!.get(k) ?? 0)).map(([k, v]) => [k, v - (start!.get(k) ?? 0)]));
  return { result, data: result.data!, traffic: t, delta, moved };
}

/**
 * TCP without options past MSS in each namespace (no timestamps, SACK or window scaling), so that every
 * TCP header is 20 bytes, a SYN's or SYN-ACK's 24: the IP layer's octets then tell TCP payload exactly.
 * IPv6 is switched off there too: no router solicitations or MLD reports move the octet counters (give
 * both ends of a veth pair: a peer's IPv6 multicast still arrives, and is counted, where IPv6 is off).
 */
export function plainTcp(...namespaces: string[]): void {
  const sysctls = ['net.ipv4.tcp_timestamps=0', 'net.ipv4.tcp_sack=0', 'net.ipv4.tcp_window_scaling=0', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];
  for (const ns of namespaces) execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...sysctls], { timeout: 10_000 });
}

/**
 * TCP payload bytes sent over IPv4 in a plainTcp namespace where only TCP runs: IpExtOutOctets counts
 * every IP packet whole (a GSO packet once, with one set of headers, as IpOutRequests counts it once),
 * so payload = OutOctets − (20 IP + 20 TCP) per packet − 4 (MSS option) per SYN and SYN-ACK. SYNs sent
 * are ActiveOpens and SYN-ACKs PassiveOpens when none is retransmitted and every handshake completes.
 */
export function tcpPayloadSent(delta: (name: string) => number): number {
  return delta('IpExtOutOctets') - 40 * delta('IpOutRequests') - 4 * (delta('TcpActiveOpens') + delta('TcpPassiveOpens'));
}

/** the result's cross-check on `counter` (sonde's label: `Tcp.ActiveOpens`, `IpExt.OutOctets+Ip6.OutOctets`) */
export function crossCheckOf(result: ResultEnvelope<unknown>, counter: string): CrossCheck {
  const checks = result.kernel?.counters?.crossChecks ?? [];
  const c = checks.find((x) => x.counter === counter);
  if (!c) throw new Error(`no cross-check on ${counter} in ${JSON.stringify(result.kernel)}`);
  return c;
}

/** the cross-check on `counter` agrees, and saw the figure and delta the test measured */
export function expectAgrees(result: ResultEnvelope<unknown>, counter: string, traced: number, delta: number): void {
  expect(crossCheckOf(result, counter)).toMatchObject({ traced, delta, agree: true });
}
