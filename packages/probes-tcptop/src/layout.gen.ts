// Generated from tcptop.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, owner, sock_tuple, tcp_sendrecv_call, type GlobalValue } from '@sonde/probe-sdk';

export type tcptop_key = { t: sock_tuple; pid: number; comm: string; cgroup: bigint };
export const tcptop_key = layout<tcptop_key>('tcptop_key', 72, [['t', 0, sock_tuple], ['pid', 40, 'u32'], ['comm', 48, 'char', 16], ['cgroup', 64, 'x64']]);
export type tcptop_val = { sent: number; received: number; sends: number; recvs: number };
export const tcptop_val = layout<tcptop_val>('tcptop_val', 32, [['sent', 0, 'u64'], ['received', 8, 'u64'], ['sends', 16, 'u64'], ['recvs', 24, 'u64']]);

export const programs = ['tcptop_fexit_recv', 'tcptop_fexit_send', 'tcptop_kprobe_recv', 'tcptop_kprobe_send', 'tcptop_kretprobe_recv', 'tcptop_kretprobe_send', 'tcptop_recv', 'tcptop_send'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, tcp_sendrecv_args: { type: 'hash', key: 'u64', value: tcp_sendrecv_call, maxEntries: 8192 }, flows: { type: 'hash', key: tcptop_key, value: tcptop_val, maxEntries: 16384 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 } } as const;
export type Vars = { flows_full: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
