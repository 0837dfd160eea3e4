// Generated from tcpdrop.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, listener_rx_mark, owner, sk_event_head, sock_tuple, sonde_listener, sonde_listener_closed_key, type GlobalValue } from '@sonde/probe-sdk';

export type tcpdrop_flow_key = { t: sock_tuple; reason: number; cgroup: bigint };
export const tcpdrop_flow_key = layout<tcpdrop_flow_key>('tcpdrop_flow_key', 56, [['t', 0, sock_tuple], ['reason', 40, 'u32'], ['cgroup', 48, 'x64']]);
export type tcpdrop_flow_val = { count: number; state: number; flags: number };
export const tcpdrop_flow_val = layout<tcpdrop_flow_val>('tcpdrop_flow_val', 16, [['count', 0, 'u64'], ['state', 8, 'u8'], ['flags', 9, 'u8']]);
export type tcpdrop_stack_key = { stack_id: number; reason: number };
export const tcpdrop_stack_key = layout<tcpdrop_stack_key>('tcpdrop_stack_key', 8, [['stack_id', 0, 's32'], ['reason', 4, 'u32']]);
export type tcpdrop_event = { h: sk_event_head; location: bigint; reason: number; stack_id: number; state: number; flags: number; has_sk: number };
export const tcpdrop_event = layout<tcpdrop_event>('tcpdrop_event', 120, [['h', 0, sk_event_head], ['location', 96, 'x64'], ['reason', 104, 'u32'], ['stack_id', 108, 's32'], ['state', 112, 'u8'], ['flags', 113, 'u8'], ['has_sk', 114, 'u8']]);
export type ovf_mark = { skb: number; sk: number };
export const ovf_mark = layout<ovf_mark>('ovf_mark', 16, [['skb', 0, 'u64'], ['sk', 8, 'u64']]);

export const programs = ['tcpdrop_check_req', 'tcpdrop_conn_request', 'tcpdrop_kfree_skb', 'tcpdrop_kfree_skb3', 'tcpdrop_kfree_skb3_hooked', 'tcpdrop_kfree_skb_hooked', 'tcpdrop_kp_check_req', 'tcpdrop_kp_conn_request', 'tcpdrop_kp_syn_recv4', 'tcpdrop_kp_syn_recv6', 'tcpdrop_listeners', 'tcpdrop_state', 'tcpdrop_syn_recv4', 'tcpdrop_syn_recv6'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, events: { type: 'ringbuf', key: null, value: null, maxEntries: 4194304 }, listeners: { type: 'hash', key: 'u64', value: sonde_listener, maxEntries: 4096 }, listeners_closed: { type: 'hash', key: sonde_listener_closed_key, value: sonde_listener, maxEntries: 1024 }, listener_rx_marks: { type: 'percpu_array', key: 'u32', value: listener_rx_mark, maxEntries: 1 }, ovf_mark: { type: 'percpu_array', key: 'u32', value: ovf_mark, maxEntries: 1 }, reasons: { type: 'hash', key: 'u32', value: 'u64', maxEntries: 1024 }, flows: { type: 'hash', key: tcpdrop_flow_key, value: tcpdrop_flow_val, maxEntries: 10240 }, stacks: { type: 'stack_trace', key: null, value: null, maxEntries: 2048 }, stack_counts: { type: 'hash', key: tcpdrop_stack_key, value: 'u64', maxEntries: 2048 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_rcv4_lo?: GlobalValue; targ_rcv4_hi?: GlobalValue; targ_rcv6_lo?: GlobalValue; targ_rcv6_hi?: GlobalValue; targ_skip_reason?: GlobalValue; targ_max_events?: GlobalValue; targ_stacks?: GlobalValue; targ_overflow_reason?: GlobalValue };
export type Vars = { lost_events: number; listen_gen: number; listeners_missed: number; drops_total: number; flows_missed: number; events_sent: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
