// Generated from tcppktlat.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, owner, sk_event_head, type GlobalValue } from '@sonde/probe-sdk';

export type pktlat_event = { h: sk_event_head; delta_ns: number };
export const pktlat_event = layout<pktlat_event>('pktlat_event', 104, [['h', 0, sk_event_head], ['delta_ns', 96, 'u64']]);
export type pktlat_hist = { slots: number[]; sum: number; cnt: number; min_inv: number; max: number };
export const pktlat_hist = layout<pktlat_hist>('pktlat_hist', 248, [['slots', 0, 'u64', 27], ['sum', 216, 'u64'], ['cnt', 224, 'u64'], ['min_inv', 232, 's64'], ['max', 240, 'u64']]);
export type arrival = { first: number; last: number };
export const arrival = layout<arrival>('arrival', 16, [['first', 0, 'u64'], ['last', 8, 'u64']]);

export const programs = ['tcppktlat_destroy', 'tcppktlat_rcv', 'tcppktlat_read'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 }, pending: { type: 'lru_hash', key: 'u64', value: arrival, maxEntries: 16384 }, hist: { type: 'array', key: 'u32', value: pktlat_hist, maxEntries: 1 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_min_us?: GlobalValue; targ_tid?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 }, targ_min_us: { size: 8 }, targ_tid: { size: 4 } } as const;
export type Vars = { lost_events: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
