// Generated from tcpsynbl.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, listener_rx_mark, sonde_listener, sonde_listener_closed_key, type GlobalValue } from '@sonde/probe-sdk';

export type synbl_key = { max_backlog: number; lport: number; cgroup: bigint };
export const synbl_key = layout<synbl_key>('synbl_key', 16, [['max_backlog', 0, 'u32'], ['lport', 4, 'u16'], ['cgroup', 8, 'x64']]);
export type synbl_val = { slots: number[]; count: number; sum: number; max: number; overflows: number };
export const synbl_val = layout<synbl_val>('synbl_val', 288, [['slots', 0, 'u64', 32], ['count', 256, 'u64'], ['sum', 264, 'u64'], ['max', 272, 'u64'], ['overflows', 280, 'u64']]);

export const programs = ['tcpsynbl_check_req', 'tcpsynbl_conn_request', 'tcpsynbl_kfree', 'tcpsynbl_kfree3', 'tcpsynbl_kp_check_req', 'tcpsynbl_kp_conn_request', 'tcpsynbl_kp_syn_recv4', 'tcpsynbl_kp_syn_recv6', 'tcpsynbl_listeners', 'tcpsynbl_state', 'tcpsynbl_syn_recv4', 'tcpsynbl_syn_recv6'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, listeners: { type: 'hash', key: 'u64', value: sonde_listener, maxEntries: 4096 }, listeners_closed: { type: 'hash', key: sonde_listener_closed_key, value: sonde_listener, maxEntries: 1024 }, listener_rx_marks: { type: 'percpu_array', key: 'u32', value: listener_rx_mark, maxEntries: 1 }, backlogs: { type: 'hash', key: synbl_key, value: synbl_val, maxEntries: 4096 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_owner_filter?: GlobalValue; targ_rcv4_lo?: GlobalValue; targ_rcv4_hi?: GlobalValue; targ_rcv6_lo?: GlobalValue; targ_rcv6_hi?: GlobalValue; targ_family?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_netns?: GlobalValue; targ_overflow_reason?: GlobalValue };
export const globals = { targ_owner_filter: { size: 1 }, targ_rcv4_lo: { size: 8 }, targ_rcv4_hi: { size: 8 }, targ_rcv6_lo: { size: 8 }, targ_rcv6_hi: { size: 8 }, targ_family: { size: 2 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_netns: { size: 4 }, targ_overflow_reason: { size: 4 } } as const;
export type Vars = { listen_gen: number; listeners_missed: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
