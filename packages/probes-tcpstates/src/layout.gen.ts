// Generated from tcpstates.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, listen_key, owner, sk_event_head, type GlobalValue } from '@sonde/probe-sdk';

export type tcpstates_event = { h: sk_event_head; delta_ns: number; oldstate: number; newstate: number; known: number };
export const tcpstates_event = layout<tcpstates_event>('tcpstates_event', 112, [['h', 0, sk_event_head], ['delta_ns', 96, 'u64'], ['oldstate', 104, 'u8'], ['newstate', 105, 'u8'], ['known', 106, 'u8']]);
export type tcpstates_dwell = { slots: number[]; sum: number; cnt: number };
export const tcpstates_dwell = layout<tcpstates_dwell>('tcpstates_dwell', 272, [['slots', 0, 'u64', 32], ['sum', 256, 'u64'], ['cnt', 264, 'u64']]);
export type sk_state = { ts: number; o: owner; have_owner: number; pending_syn_recv: number };
export const sk_state = layout<sk_state>('sk_state', 48, [['ts', 0, 'u64'], ['o', 8, owner], ['have_owner', 40, 'u8'], ['pending_syn_recv', 41, 'u8']]);

export const programs = ['tcpstates_btf', 'tcpstates_tp'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 }, listen_owners: { type: 'lru_hash', key: listen_key, value: owner, maxEntries: 4096 }, sk_state: { type: 'lru_hash', key: 'u64', value: sk_state, maxEntries: 65536 }, dwell: { type: 'percpu_array', key: 'u32', value: tcpstates_dwell, maxEntries: 13 }, transitions: { type: 'percpu_array', key: 'u32', value: 'u64', maxEntries: 169 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 } } as const;
export type Vars = { lost_events: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
