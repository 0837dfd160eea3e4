/**
 * The kernel's own SNMP/netstat counters of one network namespace — /proc/net/snmp, /proc/net/netstat
 * and /proc/net/snmp6, as nstat reads them — parsed into `Group.Name` keys (`Tcp.ActiveOpens`,
 * `TcpExt.ListenOverflows`, `Ip6.OutOctets`), and the deltas between two reads. Pure: the reading
 * (which namespace, from where) is the loader's.
 */

/** counter name (`TcpExt.ListenOverflows`) → value; values past 2^53 lose precision, deltas do not */
export type CounterSet = Map<string, bigint>;

/** The groups whose moved counters a result keeps: TCP, IP and ICMP of both families. */
export const KEPT_GROUPS: readonly string[] = ['Tcp', 'TcpExt', 'Ip', 'IpExt', 'Icmp', 'Ip6', 'Icmp6'];

/** snmp6 names carry their group as a prefix without a separator (`Ip6InReceives`); longest first */
const SNMP6_GROUPS = ['UdpLite6', 'Icmp6', 'Udp6', 'Ip6'];

/**
 * /proc/net/snmp and /proc/net/netstat: pairs of lines `Group: Name Name ...` / `Group: 1 2 ...`.
 * A header without its value line (a truncated read) is skipped, not misread.
 */
export function parseTableCounters(text: string, into: CounterSet = new Map()): CounterSet {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = /^(\w+):\s+(.*)$/.exec(lines[i]!);
    const vals = head ? /^(\w+):\s+(.*)$/.exec(lines[i + 1]!) : null;
    if (!head || !vals || head[1] !== vals[1]) continue;
    const names = head[2]!.trim().split(/\s+/);
    const values = vals[2]!.trim().split(/\s+/);
    if (names.length !== values.length || !values.every((v) => /^-?\d+$/.test(v))) continue;
    names.forEach((n, j) => into.set(`${head[1]}.${n}`, BigInt(values[j]!)));
    i++;
  }
  return into;
}

/** /proc/net/snmp6: one `Ip6InReceives   592` per line. */
export function parseSnmp6Counters(text: string, into: CounterSet = new Map()): CounterSet {
  for (const line of text.split('\n')) {
    const m = /^(\w+)\s+(-?\d+)\s*$/.exec(line);
    if (!m) continue;
    const group = SNMP6_GROUPS.find((g) => m[1]!.startsWith(g) && m[1]!.length > g.length);
    into.set(group ? `${group}.${m[1]!.slice(group.length)}` : m[1]!, BigInt(m[2]!));
  }
  return into;
}

/** The three files of one namespace; a missing one (no IPv6: no snmp6) is left out. */
export function parseCounters(files: { snmp?: string; netstat?: string; snmp6?: string }): CounterSet {
  const set: CounterSet = new Map();
  if (files.snmp) parseTableCounters(files.snmp, set);
  if (files.netstat) parseTableCounters(files.netstat, set);
  if (files.snmp6) parseSnmp6Counters(files.snmp6, set);
  return set;
}

/** `ListenOverflows` or `TcpExt.ListenOverflows` → the full names it may mean */
export function counterNamesMatching(names: Iterable<string>, wanted: string): string[] {
  const all = [...names];
  if (wanted.includes('.')) return all.filter((n) => n.toLowerCase() === wanted.toLowerCase());
  return all.filter((n) => n.slice(n.indexOf('.') + 1).toLowerCase() === wanted.toLowerCase());
}

/** end − start of one counter (0 when either read lacks it) */
export function counterDelta(start: CounterSet, end: CounterSet, name: string): number {
  const b = end.get(name);
  // the kernel lists some lines (snmp6 per-type Icmp6.OutTypeN, IcmpMsg) only once non-zero: absent at the start is 0
  return b === undefined ? 0 : Number(b - (start.get(name) ?? 0n));
}

/**
 * Every counter of the kept groups that moved between the two reads, in file order. Gauges
 * (Tcp.CurrEstab) may move down: their delta is negative.
 */
export function movedCounters(start: CounterSet, end: CounterSet, groups: readonly string[] = KEPT_GROUPS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, b] of end) {
    if (!groups.includes(name.slice(0, name.indexOf('.')))) continue;
    const a = start.get(name) ?? 0n; // absent at the start: listed only once non-zero
    if (a !== b) out[name] = Number(b - a);
  }
  return out;
}
