/**
 * __probe__: __summary__.
 *
 * The whole user side of a probe: its parameters (zod: the API's 400s and the OpenAPI document come
 * from them), what the kernel's records mean (their bytes are decoded by layouts generated from BTF in
 * layout.gen.ts), the output's shape declared once (fleet merge, checks, formats and OTLP read it), the
 * run, and the text rendering. Split it into params.ts, decode.ts and render.ts when it grows.
 */
import { z } from 'zod';
import {
  checkConnFilters,
  connFilterGlobals,
  connFilterShape,
  defineProbe,
  distFile,
  drainEvents,
  mapEntries,
  decodeScalar,
  ownerFilterShape,
  packageVersion,
  renderTable,
  ringBufferKiB,
  ringEntries,
  skEventHead,
  tcpStateName,
  type SkEventHead,
} from '@sonde/probe-sdk';
import { __probe___event, type Globals, type Names, type Program } from './layout.gen.js';

export const params = z
  .object({
    ...connFilterShape,
    ...ownerFilterShape,
    bufferKiB: ringBufferKiB(),
  })
  .strict()
  .superRefine(checkConnFilters);

export type __Probe__Params = z.output<typeof params>;

export function globalsFor(p: __Probe__Params): Globals {
  return connFilterGlobals(p);
}

export interface __Probe__Event extends SkEventHead {
  oldstate: string;
  newstate: string;
}

export interface __Probe__Data {
  /** every change seen, by the state it went into, counted in the kernel (also past the stored-events cap) */
  byState: Record<string, number>;
  total: number;
  /** the loader adds the kept events here */
  events?: __Probe__Event[];
}

/** one ring-buffer record: its layout is generated, its meaning is here */
export function decodeEvent(b: Buffer): __Probe__Event {
  const e = __probe___event.decode(b);
  return { ...skEventHead(e.h), oldstate: tcpStateName(e.oldstate), newstate: tcpStateName(e.newstate) };
}

export function render(data: __Probe__Data): string {
  const rows = Object.entries(data.byState).map(([state, n]) => [state, n]);
  let out = renderTable([{ header: 'NEWSTATE' }, { header: 'CHANGES', align: 'right' }], rows);
  out += `${data.total} state changes\n`;
  return out;
}

export default defineProbe({
  name: '__probe__',
  version: packageVersion(import.meta.url),
  summary: '__summary__',
  output: 'events',
  shape: {
    fields: {
      byState: { category: 'state' },
      total: 'count',
      events: { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: [['oldstate', 'newstate']] } } },
    },
  },
  params,
  bpf: {
    object: distFile(import.meta.url, '__probe__.bpf.o'),
    variants: [
      {
        name: 'tp_btf',
        programs: ['__probe___btf', '__probe___acc4', '__probe___acc'] satisfies Program[],
        needs: [
          { kind: 'tp_btf', event: 'inet_sock_set_state' },
          { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_accept4' },
          { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_accept' },
        ],
      },
      {
        name: 'tracepoint',
        programs: ['__probe___tp', '__probe___acc4', '__probe___acc'] satisfies Program[],
        needs: [
          { kind: 'tracepoint', category: 'sock', event: 'inet_sock_set_state' },
          { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_accept4' },
          { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_accept' },
        ],
      },
    ],
  },

  async run(ctx, p): Promise<__Probe__Data> {
    const bpf = await ctx.load<Names>({ globals: globalsFor(p), maxEntries: ringEntries(p.bufferKiB) });
    await drainEvents(ctx, bpf, { decode: decodeEvent });
    const byState: Record<string, number> = {};
    let total = 0;
    for (const { key, value } of mapEntries(bpf.readMap('by_state'))) {
      const n = decodeScalar('u64', value);
      if (n === 0) continue;
      byState[tcpStateName(decodeScalar('u32', key))] = n;
      total += n;
    }
    return { byState, total };
  },

  render: (data) => render(data),
});
