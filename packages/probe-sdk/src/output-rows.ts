/** Output declarations (output.ts) of the rows the SDK itself shapes, for the probes that return them. */
import type { ListenerSocket } from './listeners.js';
import type { DeclOf } from './output.js';

/** listeners.ts' listening sockets: one per address, port and namespace, with their queue figures */
export const listenerSocketRows = {
  rows: {
    family: 'key',
    laddr: 'key',
    lport: 'key',
    netns: 'key',
    cgroup: 'key',
    owner: 'label',
    pid: 'label',
    comm: 'label',
    uid: 'label',
    maxBacklog: 'label',
    opened: 'label',
    closed: 'label',
    backlog: 'level',
    backlogPeak: 'max',
    listenDrops: 'count',
    overflows: 'count',
    synOverflows: 'count',
    ackOverflows: 'count',
  },
  sum: 'overflows',
} as const satisfies DeclOf<ListenerSocket[]>;
