/**
 * The connect scenario the kernel counts both ways, from a to b of a namespace pair: 3 established (one
 * closed with a RST), 2 refused, 1 timed out (its SYNs dropped at b's ingress by a clsact program,
 * TCP_SYNCNT 1: ETIMEDOUT after 3 s) and 1 closed by its owner while still in SYN_SENT. The kernel's
 * Tcp.ActiveOpens counts 7 and Tcp.AttemptFails 3 (refused and timed out; an owner's abort is neither).
 */
import { acceptIn, connectFrom, type ClientRun } from './conn-children.js';
import type { NetnsPair } from './netns.js';
import { tcDropPort } from './tc-drop.js';

/** discard: nothing listens on it in the test's namespaces */
export const CLOSED_PORT = 9;
/** errno per connect, in order: 115 (EINPROGRESS) is the one closed while still in progress */
export const MIX_ERRNOS = [0, 0, 0, 111, 111, 110, 115];
export const MIX = { opens: 7, attemptFails: 3, outcomes: { established: 3, refused: 2, timeout: 1, aborted: 1 } };

/** the SYN black hole for the scenario's timed-out connects; `remove()` when done */
export function mixBlackhole(pair: NetnsPair): { port: number; remove(): void } {
  const port = 61000 + (process.pid % 1000);
  const drop = tcDropPort(pair.b, pair.devB, 'ingress', port);
  return { port, remove: () => drop.remove() };
}

/** run the 7 connects as `comm` from pair.a (with the black hole in place) */
export async function connectMix(pair: NetnsPair, comm: string, blackhole: number): Promise<ClientRun> {
  const srv = await acceptIn(`${comm}-srv`, pair.ipB, 3, pair.b);
  const ip = pair.ipB;
  const run = await connectFrom(
    comm,
    [
      { host: ip, port: srv.port },
      { host: ip, port: srv.port, nonblocking: true },
      { host: ip, port: srv.port, reset: true },
      { host: ip, port: CLOSED_PORT },
      { host: ip, port: CLOSED_PORT, nonblocking: true },
      { host: ip, port: blackhole, nonblocking: true, syncnt: 1, waitS: 6 },
      { host: ip, port: blackhole, nonblocking: true, waitS: 0.2 },
    ],
    pair.a,
  );
  await srv.done;
  return run;
}
