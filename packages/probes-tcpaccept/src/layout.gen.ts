// Generated from tcpaccept.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, owner, sk_event_head, type GlobalValue } from '@sonde/probe-sdk';

export type tcpaccept_event = { h: sk_event_head; fd: number; syscall: number };
export const tcpaccept_event = layout<tcpaccept_event>('tcpaccept_event', 104, [['h', 0, sk_event_head], ['fd', 96, 's32'], ['syscall', 100, 'u8']]);

export const programs = ['tcpaccept_a', 'tcpaccept_a4'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue };
export type Vars = { lost_events: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
