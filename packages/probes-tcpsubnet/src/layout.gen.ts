// Generated from tcpsubnet.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, owner, tcp_sendrecv_call, type GlobalValue } from '@sonde/probe-sdk';

export type subnet_val = { bytes: number; sends: number };
export const subnet_val = layout<subnet_val>('subnet_val', 16, [['bytes', 0, 'u64'], ['sends', 8, 'u64']]);

export const programs = ['tcpsubnet_fexit_send', 'tcpsubnet_kprobe_send', 'tcpsubnet_kretprobe_send', 'tcpsubnet_send'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, sk_owners: { type: 'lru_hash', key: 'u64', value: owner, maxEntries: 65536 }, tcp_sendrecv_args: { type: 'hash', key: 'u64', value: tcp_sendrecv_call, maxEntries: 8192 }, subnet_bytes: { type: 'array', key: 'u32', value: subnet_val, maxEntries: 33 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_pid?: GlobalValue; targ_uid_on?: GlobalValue; targ_uid?: GlobalValue; targ_comm?: GlobalValue; targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_nets?: GlobalValue; targ_net_prefix?: GlobalValue; targ_net_family?: GlobalValue; targ_nnets?: GlobalValue };
export type Vars = {  };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
