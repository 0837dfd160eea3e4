// Generated from tcprtt.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, type GlobalValue } from '@sonde/probe-sdk';

export type hist_key = { family: number; addr: Buffer; cgroup: bigint };
export const hist_key = layout<hist_key>('hist_key', 32, [['family', 0, 'u8'], ['addr', 4, 'bytes', 16], ['cgroup', 24, 'x64']]);
export type hist = { slots: number[]; latency: number; cnt: number; min: number; max: number };
export const hist = layout<hist>('hist', 248, [['slots', 0, 'u64', 27], ['latency', 216, 'u64'], ['cnt', 224, 'u64'], ['min', 232, 'u64'], ['max', 240, 'u64']]);

export const programs = ['tcprtt_tp', 'tcprtt_tp_btf'] as const;
export type Program = (typeof programs)[number];
export const maps = { owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 }, hists: { type: 'hash', key: hist_key, value: hist, maxEntries: 10240 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_lports?: GlobalValue; targ_lports_cnt?: GlobalValue; targ_rports?: GlobalValue; targ_rports_cnt?: GlobalValue; targ_laddr?: GlobalValue; targ_laddr_family?: GlobalValue; targ_laddr_prefix?: GlobalValue; targ_raddr?: GlobalValue; targ_raddr_family?: GlobalValue; targ_raddr_prefix?: GlobalValue; targ_family?: GlobalValue; targ_netns?: GlobalValue; targ_owner_filter?: GlobalValue; targ_ms?: GlobalValue; targ_by?: GlobalValue };
export const globals = { targ_lports: { size: 16, length: 8 }, targ_lports_cnt: { size: 4 }, targ_rports: { size: 16, length: 8 }, targ_rports_cnt: { size: 4 }, targ_laddr: { size: 16, length: 16 }, targ_laddr_family: { size: 2 }, targ_laddr_prefix: { size: 4 }, targ_raddr: { size: 16, length: 16 }, targ_raddr_family: { size: 2 }, targ_raddr_prefix: { size: 4 }, targ_family: { size: 2 }, targ_netns: { size: 4 }, targ_owner_filter: { size: 1 }, targ_ms: { size: 1 }, targ_by: { size: 1 } } as const;
export type Vars = {  };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
