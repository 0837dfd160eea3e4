// Generated from tcptrace.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, owner, sock_tuple, tcp_sendrecv_call, type GlobalValue } from '@sonde/probe-sdk';

export type tcptrace_stage = { ts: bigint; ifindex: number; cpu: number; stage: number; ifname: string };
export const tcptrace_stage = layout<tcptrace_stage>('tcptrace_stage', 32, [['ts', 0, 'x64'], ['ifindex', 8, 'u32'], ['cpu', 12, 'u16'], ['stage', 14, 'u8'], ['ifname', 16, 'char', 16]]);
export type tcptrace_pkt = { skb: bigint; saddr: Buffer; daddr: Buffer; family: number; sport: number; dport: number; flags: number; nstages: number; seq: number; len: number; drop_reason: number; end: number; lost_stages: number; ack16: number; st: tcptrace_stage[] };
export const tcptrace_pkt = layout<tcptrace_pkt>('tcptrace_pkt', 448, [['skb', 0, 'x64'], ['saddr', 8, 'bytes', 16], ['daddr', 24, 'bytes', 16], ['family', 40, 'u16'], ['sport', 42, 'u16'], ['dport', 44, 'u16'], ['flags', 46, 'u8'], ['nstages', 47, 'u8'], ['seq', 48, 'u32'], ['len', 52, 'u32'], ['drop_reason', 56, 'u32'], ['end', 60, 'u8'], ['lost_stages', 61, 'u8'], ['ack16', 62, 'u16'], ['st', 64, tcptrace_stage, 12]]);
export type tcptrace_hist = { slots: number[]; sum: number; cnt: number; min_inv: number; max: number };
export const tcptrace_hist = layout<tcptrace_hist>('tcptrace_hist', 288, [['slots', 0, 'u64', 32], ['sum', 256, 'u64'], ['cnt', 264, 'u64'], ['min_inv', 272, 's64'], ['max', 280, 'u64']]);
export type rx_wait = { skb: number[]; first_ts: number[] };
export const rx_wait = layout<rx_wait>('rx_wait', 128, [['skb', 0, 'u64', 8], ['first_ts', 64, 'u64', 8]]);

export const programs = ['tcptrace_consume', 'tcptrace_drop', 'tcptrace_fexit_read', 'tcptrace_fexit_send', 'tcptrace_gro', 'tcptrace_kprobe_read', 'tcptrace_kprobe_send', 'tcptrace_kretprobe_read', 'tcptrace_kretprobe_send', 'tcptrace_queue', 'tcptrace_read', 'tcptrace_receive', 'tcptrace_send', 'tcptrace_start_xmit', 'tcptrace_tcp', 'tcptrace_xmit'] as const;
export type Program = (typeof programs)[number];
export const maps = { events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 }, owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, tcp_sendrecv_args: { type: 'hash', key: 'u64', value: tcp_sendrecv_call, maxEntries: 8192 }, pkts: { type: 'lru_hash', key: 'u64', value: tcptrace_pkt, maxEntries: 8192 }, scratch: { type: 'percpu_array', key: 'u32', value: tcptrace_pkt, maxEntries: 1 }, rx_waits: { type: 'lru_hash', key: 'u64', value: rx_wait, maxEntries: 4096 }, flows: { type: 'lru_hash', key: sock_tuple, value: 'u8', maxEntries: 4096 }, hists: { type: 'hash', key: 'u32', value: tcptrace_hist, maxEntries: 121 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_ports?: GlobalValue; targ_ports_cnt?: GlobalValue; targ_addr?: GlobalValue; targ_addr_family?: GlobalValue; targ_addr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_learn?: GlobalValue; targ_max_pkts?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_ports: { size: 16, length: 8 }, targ_ports_cnt: { size: 4 }, targ_addr: { size: 16, length: 16 }, targ_addr_family: { size: 2 }, targ_addr_prefix: { size: 4 }, targ_family: { size: 2 }, targ_learn: { size: 1 }, targ_max_pkts: { size: 4 } } as const;
export type Vars = { lost_events: number; pkts_tracked: number; pkts_emitted: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
