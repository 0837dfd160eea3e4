// Generated from tcpconnect.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, connect_start, owner, sk_event_head, type GlobalValue } from '@sonde/probe-sdk';

export type tcpconnect_event = { h: sk_event_head; lat_ns: number; ret: number; err: number; state: number; via: number };
export const tcpconnect_event = layout<tcpconnect_event>('tcpconnect_event', 120, [['h', 0, sk_event_head], ['lat_ns', 96, 'u64'], ['ret', 104, 's32'], ['err', 108, 's32'], ['state', 112, 'u8'], ['via', 113, 'u8']]);
export type tcpconnect_key = { family: number; rport: number; laddr: Buffer; raddr: Buffer };
export const tcpconnect_key = layout<tcpconnect_key>('tcpconnect_key', 36, [['family', 0, 'u16'], ['rport', 2, 'u16'], ['laddr', 4, 'bytes', 16], ['raddr', 20, 'bytes', 16]]);
export type tcpconnect_count = { connects: number; failed: number };
export const tcpconnect_count = layout<tcpconnect_count>('tcpconnect_count', 16, [['connects', 0, 'u64'], ['failed', 8, 'u64']]);

export const programs = ['tcpconnect_exit', 'tcpconnect_sk', 'tcpconnect_skp', 'tcpconnect_v4out', 'tcpconnect_v6out'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 }, connect_starts: { type: 'lru_hash', key: 'u64', value: connect_start, maxEntries: 16384 }, connect_tids: { type: 'lru_hash', key: 'u32', value: 'u64', maxEntries: 16384 }, counts: { type: 'hash', key: tcpconnect_key, value: tcpconnect_count, maxEntries: 10240 }, presyn_synsent: { type: 'lru_hash', key: 'u64', value: 'u8', maxEntries: 4096 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_count?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 }, targ_count: { size: 1 } } as const;
export type Vars = { lost_events: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
