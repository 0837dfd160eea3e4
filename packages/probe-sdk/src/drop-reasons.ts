/**
 * Names of kfree_skb drop reasons, from the running kernel's BTF (`ctx.kernelEnum`), never from a
 * hard-coded table: kernels insert reasons (6.15 did), so a table from one kernel mislabels another.
 *
 * A reason is a u32: the high 16 bits are a subsystem (`enum skb_drop_reason_subsys`, 0 = core), the
 * low 16 bits a reason within it. Core reasons are `enum skb_drop_reason`; others are named
 * `<SUBSYS>:<code>` because their subsystem enums live in modules.
 */
export interface EnumEntry {
  name: string;
  value: number;
}

export const DROP_REASON_SUBSYS_SHIFT = 16;

export interface DropReasons {
  /** `TCP_LISTEN_OVERFLOW` for 40 on 6.18 (the `SKB_DROP_REASON_` prefix removed) */
  name(value: number): string;
  /** the value of a name (with or without the prefix), undefined when this kernel lacks it */
  value(name: string): number | undefined;
  /** the subsystem of a reason: 'CORE', 'OPENVSWITCH', ... */
  subsystem(value: number): string;
}

const PREFIX = 'SKB_DROP_REASON_';
const SUBSYS_PREFIX = 'SKB_DROP_REASON_SUBSYS_';

function strip(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** Build the table from the BTF enumerators of `skb_drop_reason` and `skb_drop_reason_subsys`. */
export function dropReasons(reasons: readonly EnumEntry[], subsystems: readonly EnumEntry[] = []): DropReasons {
  const byValue = new Map<number, string>();
  const byName = new Map<string, number>();
  for (const e of reasons) {
    const n = strip(e.name, PREFIX);
    // SUBSYS_MASK, MAX and friends are bounds, not reasons
    if (n === 'MAX' || n.startsWith('SUBSYS_')) continue;
    if (!byValue.has(e.value)) byValue.set(e.value, n);
    byName.set(n, e.value);
  }
  const subs = new Map<number, string>();
  for (const e of subsystems) {
    const n = strip(e.name, SUBSYS_PREFIX);
    if (n !== 'NUM') subs.set(e.value, n);
  }
  const subsystem = (v: number) => {
    const id = v >>> DROP_REASON_SUBSYS_SHIFT;
    return subs.get(id) ?? (id === 0 ? 'CORE' : `SUBSYS_${id}`);
  };
  return {
    name(v) {
      const id = v >>> DROP_REASON_SUBSYS_SHIFT;
      if (id === 0) return byValue.get(v) ?? `REASON_${v}`;
      return `${subsystem(v)}:${v & 0xffff}`;
    },
    value: (name) => byName.get(strip(name, PREFIX)),
    subsystem,
  };
}
