// Generated from tcpreset.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, listen_key, owner, sk_event_head, sock_tuple, type GlobalValue } from '@sonde/probe-sdk';

export type tcpreset_event = { h: sk_event_head; reason: number; dir: number; state: number; flags: number };
export const tcpreset_event = layout<tcpreset_event>('tcpreset_event', 104, [['h', 0, sk_event_head], ['reason', 96, 'u32'], ['dir', 100, 'u8'], ['state', 101, 'u8'], ['flags', 102, 'u8']]);
export type tcpreset_reason_key = { dir: number; reason: number };
export const tcpreset_reason_key = layout<tcpreset_reason_key>('tcpreset_reason_key', 8, [['dir', 0, 'u32'], ['reason', 4, 'u32']]);
export type tcpreset_flow_key = { t: sock_tuple; netns: number; reason: number; dir: number };
export const tcpreset_flow_key = layout<tcpreset_flow_key>('tcpreset_flow_key', 56, [['t', 0, sock_tuple], ['netns', 40, 'u32'], ['reason', 44, 'u32'], ['dir', 48, 'u8']]);
export type tcpreset_flow = { count: number; cgroup: bigint; pid: number; comm: string };
export const tcpreset_flow = layout<tcpreset_flow>('tcpreset_flow', 40, [['count', 0, 'u64'], ['cgroup', 8, 'x64'], ['pid', 16, 'u32'], ['comm', 24, 'char', 16]]);

export const programs = ['tcpreset_acc', 'tcpreset_acc4', 'tcpreset_act2', 'tcpreset_btf', 'tcpreset_fe4', 'tcpreset_fe6', 'tcpreset_kp4', 'tcpreset_kp6', 'tcpreset_rcv', 'tcpreset_rcvtp', 'tcpreset_snd', 'tcpreset_snd2', 'tcpreset_sndtp', 'tcpreset_tp'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 }, listen_owners: { type: 'lru_hash', key: listen_key, value: owner, maxEntries: 4096 }, totals: { type: 'array', key: 'u32', value: 'u64', maxEntries: 2 }, reasons: { type: 'hash', key: tcpreset_reason_key, value: 'u64', maxEntries: 256 }, flows: { type: 'hash', key: tcpreset_flow_key, value: tcpreset_flow, maxEntries: 8192 }, rx_held: { type: 'hash', key: 'u64', value: tcpreset_event, maxEntries: 1024 }, held_last: { type: 'percpu_array', key: 'u32', value: 'u64', maxEntries: 1 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 } } as const;
export type Vars = { lost_events: number; flows_missed: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
