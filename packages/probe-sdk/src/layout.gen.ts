// Generated from sdk.bpf.c's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout } from './layout.js';

export type owner = { pid: number; tid: number; uid: number; how: number; comm: string };
export const owner = layout<owner>('owner', 32, [['pid', 0, 'u32'], ['tid', 4, 'u32'], ['uid', 8, 'u32'], ['how', 12, 'u32'], ['comm', 16, 'char', 16]]);
export type listen_key = { netns: number; port: number };
export const listen_key = layout<listen_key>('listen_key', 8, [['netns', 0, 'u32'], ['port', 4, 'u16']]);
export type sock_tuple = { family: number; lport: number; rport: number; laddr: Buffer; raddr: Buffer };
export const sock_tuple = layout<sock_tuple>('sock_tuple', 40, [['family', 0, 'u16'], ['lport', 2, 'u16'], ['rport', 4, 'u16'], ['laddr', 8, 'bytes', 16], ['raddr', 24, 'bytes', 16]]);
export type connect_start = { o: owner; ts_ns: number; end_ns: number; t: sock_tuple; flags: number; err: number; state: number };
export const connect_start = layout<connect_start>('connect_start', 104, [['o', 0, owner], ['ts_ns', 32, 'u64'], ['end_ns', 40, 'u64'], ['t', 48, sock_tuple], ['flags', 88, 'u32'], ['err', 92, 's32'], ['state', 96, 'u16']]);
export type sonde_listener = { skaddr: bigint; drops_first: number; drops_last: number; rx_drops: number; syn_overflows: number; ack_overflows: number; netns: number; max_backlog: number; backlog: number; backlog_peak: number; pid: number; uid: number; gen: number; family: number; lport: number; laddr: Buffer; comm: string; flags: number; syncookies: number; cgroup: bigint };
export const sonde_listener = layout<sonde_listener>('sonde_listener', 128, [['skaddr', 0, 'x64'], ['drops_first', 8, 'u64'], ['drops_last', 16, 'u64'], ['rx_drops', 24, 'u64'], ['syn_overflows', 32, 'u64'], ['ack_overflows', 40, 'u64'], ['netns', 48, 'u32'], ['max_backlog', 52, 'u32'], ['backlog', 56, 'u32'], ['backlog_peak', 60, 'u32'], ['pid', 64, 'u32'], ['uid', 68, 'u32'], ['gen', 72, 'u32'], ['family', 76, 'u16'], ['lport', 78, 'u16'], ['laddr', 80, 'bytes', 16], ['comm', 96, 'char', 16], ['flags', 112, 'u8'], ['syncookies', 113, 'u8'], ['cgroup', 120, 'x64']]);
export type sonde_listener_closed_key = { skaddr: bigint; ts_ns: bigint };
export const sonde_listener_closed_key = layout<sonde_listener_closed_key>('sonde_listener_closed_key', 16, [['skaddr', 0, 'x64'], ['ts_ns', 8, 'x64']]);
export type listener_rx_mark = { skb: bigint; sk: bigint };
export const listener_rx_mark = layout<listener_rx_mark>('listener_rx_mark', 16, [['skb', 0, 'x64'], ['sk', 8, 'x64']]);
export type tcp_sendrecv_call = { sk: bigint; flags: number };
export const tcp_sendrecv_call = layout<tcp_sendrecv_call>('tcp_sendrecv_call', 16, [['sk', 0, 'x64'], ['flags', 8, 's32']]);
export type sk_event_head = { ts_ns: bigint; skaddr: bigint; pid: number; tid: number; uid: number; netns: number; cgroup: bigint; comm: string; t: sock_tuple };
export const sk_event_head = layout<sk_event_head>('sk_event_head', 96, [['ts_ns', 0, 'x64'], ['skaddr', 8, 'x64'], ['pid', 16, 'u32'], ['tid', 20, 'u32'], ['uid', 24, 'u32'], ['netns', 28, 'u32'], ['cgroup', 32, 'x64'], ['comm', 40, 'char', 16], ['t', 56, sock_tuple]]);
