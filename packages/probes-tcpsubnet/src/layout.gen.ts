// Generated from tcpsubnet.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, owner, tcp_sendrecv_call, type GlobalValue } from '@sonde/probe-sdk';

export type subnet_key = { slot: number; cgroup: bigint };
export const subnet_key = layout<subnet_key>('subnet_key', 16, [['slot', 0, 'u32'], ['cgroup', 8, 'x64']]);
export type subnet_val = { bytes: number; sends: number };
export const subnet_val = layout<subnet_val>('subnet_val', 16, [['bytes', 0, 'u64'], ['sends', 8, 'u64']]);

export const programs = ['tcpsubnet_fexit_send', 'tcpsubnet_kprobe_send', 'tcpsubnet_kretprobe_send', 'tcpsubnet_send'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, tcp_sendrecv_args: { type: 'hash', key: 'u64', value: tcp_sendrecv_call, maxEntries: 8192 }, subnet_bytes: { type: 'array', key: 'u32', value: subnet_val, maxEntries: 33 }, subnet_owner_bytes: { type: 'hash', key: subnet_key, value: subnet_val, maxEntries: 4096 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_nets?: GlobalValue; targ_net_prefix?: GlobalValue; targ_net_family?: GlobalValue; targ_nnets?: GlobalValue; targ_by_owner?: GlobalValue };
export const globals = { targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_pid: { size: 4 }, targ_uid_on: { size: 1 }, targ_uid: { size: 4 }, targ_comm: { size: 16, length: 16 }, targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 }, targ_nets: { size: 512, length: 32 }, targ_net_prefix: { size: 128, length: 32 }, targ_net_family: { size: 64, length: 32 }, targ_nnets: { size: 4 }, targ_by_owner: { size: 1 } } as const;
export type Vars = { keys_full: number };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
