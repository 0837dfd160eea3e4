// Generated from tcpretrans.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, listen_key, owner, sk_event_head, sock_tuple, type GlobalValue } from '@sonde/probe-sdk';

export type tcpretrans_event = { h: sk_event_head; seq: number; segs: number; state: number; type: number };
export const tcpretrans_event = layout<tcpretrans_event>('tcpretrans_event', 112, [['h', 0, sk_event_head], ['seq', 96, 'u32'], ['segs', 100, 'u32'], ['state', 104, 'u8'], ['type', 105, 'u8']]);
export type tcpretrans_flow_key = { t: sock_tuple; cgroup: bigint };
export const tcpretrans_flow_key = layout<tcpretrans_flow_key>('tcpretrans_flow_key', 48, [['t', 0, sock_tuple], ['cgroup', 40, 'x64']]);
export type tcpretrans_count = { retransmits: number; segments: number; tlp: number };
export const tcpretrans_count = layout<tcpretrans_count>('tcpretrans_count', 24, [['retransmits', 0, 'u64'], ['segments', 8, 'u64'], ['tlp', 16, 'u64']]);
export type tlp_entry = { sk: number; armed: number };
export const tlp_entry = layout<tlp_entry>('tlp_entry', 16, [['sk', 0, 'u64'], ['armed', 8, 'u32']]);

export const programs = ['tcpretrans_ac4', 'tcpretrans_acc', 'tcpretrans_btf', 'tcpretrans_btf2', 'tcpretrans_st', 'tcpretrans_sttp', 'tcpretrans_syn', 'tcpretrans_syntp', 'tcpretrans_tlp_in', 'tcpretrans_tlp_kin', 'tcpretrans_tlp_kout', 'tcpretrans_tlp_out', 'tcpretrans_tp', 'tcpretrans_tp_sk_skb'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 }, listen_owners: { type: 'lru_hash', key: listen_key, value: owner, maxEntries: 4096 }, flows: { type: 'hash', key: tcpretrans_flow_key, value: tcpretrans_count, maxEntries: 10240 }, tlp_pending: { type: 'lru_hash', key: 'u64', value: tlp_entry, maxEntries: 4096 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_count?: GlobalValue; targ_tlp?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 }, targ_count: { size: 1 }, targ_tlp: { size: 1 } } as const;
export type Vars = { lost_events: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
