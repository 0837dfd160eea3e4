// Generated from tcpports.bpf.o's BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.
import { layout, type GlobalValue } from '@sonde/probe-sdk';

export type tcpports_port = { gen: number; count: number };
export const tcpports_port = layout<tcpports_port>('tcpports_port', 8, [['gen', 0, 'u32'], ['count', 4, 'u32']]);
export type tcpports_remote = { family: number; port: number; addr: Buffer };
export const tcpports_remote = layout<tcpports_remote>('tcpports_remote', 20, [['family', 0, 'u16'], ['port', 2, 'u16'], ['addr', 4, 'bytes', 16]]);
export type tcpports_owner = { sockets: number; eph_sockets: number };
export const tcpports_owner = layout<tcpports_owner>('tcpports_owner', 16, [['sockets', 0, 'u64'], ['eph_sockets', 8, 'u64']]);
export type tcpports_summary = { gen: number; sockets: number; states: number[]; eph_sockets: number; eph_ports_used: number; eph_port_max: number; remotes_missed: number; port_lo: number; port_hi: number; owners_missed: number };
export const tcpports_summary = layout<tcpports_summary>('tcpports_summary', 192, [['gen', 0, 'u64'], ['sockets', 8, 'u64'], ['states', 16, 'u64', 16], ['eph_sockets', 144, 'u64'], ['eph_ports_used', 152, 'u64'], ['eph_port_max', 160, 'u64'], ['remotes_missed', 168, 'u64'], ['port_lo', 176, 'u32'], ['port_hi', 180, 'u32'], ['owners_missed', 184, 'u64']]);

export const programs = ['tcpports_iter'] as const;
export type Program = (typeof programs)[number];
export const maps = { owners: { type: 'hash', key: 'u64', value: tcpports_owner, maxEntries: 4096 }, ports: { type: 'array', key: 'u32', value: tcpports_port, maxEntries: 65536 }, remotes: { type: 'hash', key: tcpports_remote, value: 'u64', maxEntries: 16384 }, owner_cgroups: { type: 'hash', key: 'u64', value: 'u8', maxEntries: 1024 } } as const;
export type MapName = keyof typeof maps;
export type Globals = { targ_owner_filter?: GlobalValue; targ_family?: GlobalValue; targ_port_lo?: GlobalValue; targ_port_hi?: GlobalValue };
export const globals = { targ_owner_filter: { size: 1 }, targ_family: { size: 2 }, targ_port_lo: { size: 4 }, targ_port_hi: { size: 4 } } as const;
export type Vars = { summary: tcpports_summary };
/** what ProbeContext.load<Names>() checks names against */
export type Names = { map: MapName; program: Program; globals: Globals };
