// Generated from tcpconnlat.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, connect_start, owner, sk_event_head, type GlobalValue } from '@sonde/probe-sdk';

export type tcpconnlat_hist_key = { idx: number; cgroup: bigint };
export const tcpconnlat_hist_key = layout<tcpconnlat_hist_key>('tcpconnlat_hist_key', 16, [['idx', 0, 'u32'], ['cgroup', 8, 'x64']]);
export type tcpconnlat_event = { h: sk_event_head; lat_ns: number; err: number; state: number };
export const tcpconnlat_event = layout<tcpconnlat_event>('tcpconnlat_event', 112, [['h', 0, sk_event_head], ['lat_ns', 96, 'u64'], ['err', 104, 's32'], ['state', 108, 'u8']]);
export type tcpconnlat_hist = { slots: number[]; sum: number; cnt: number; min1: number; max: number };
export const tcpconnlat_hist = layout<tcpconnlat_hist>('tcpconnlat_hist', 248, [['slots', 0, 'u64', 27], ['sum', 216, 'u64'], ['cnt', 224, 'u64'], ['min1', 232, 'u64'], ['max', 240, 'u64']]);

export const programs = ['tcpconnlat_sk'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 }, connect_starts: { type: 'lru_hash', key: 'u64', value: connect_start, maxEntries: 16384 }, connect_tids: { type: 'lru_hash', key: 'u32', value: 'u64', maxEntries: 16384 }, hists: { type: 'hash', key: tcpconnlat_hist_key, value: tcpconnlat_hist, maxEntries: 2048 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_min_us?: GlobalValue; targ_by_cgroup?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 }, targ_min_us: { size: 8 }, targ_by_cgroup: { size: 1 } } as const;
export type Vars = { lost_events: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
