/**
 * Linux errno numbers a TCP socket reports (sk_err, a syscall's -errno) as their names, and the
 * outcome of a connect handshake from the state it ended in and its error — for probes that see
 * connects end.
 */

const ERRNO: Record<number, string> = {
  1: 'EPERM',
  4: 'EINTR',
  11: 'EAGAIN',
  13: 'EACCES',
  22: 'EINVAL',
  24: 'EMFILE',
  32: 'EPIPE',
  97: 'EAFNOSUPPORT',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  100: 'ENETDOWN',
  101: 'ENETUNREACH',
  103: 'ECONNABORTED',
  104: 'ECONNRESET',
  105: 'ENOBUFS',
  106: 'EISCONN',
  110: 'ETIMEDOUT',
  111: 'ECONNREFUSED',
  112: 'EHOSTDOWN',
  113: 'EHOSTUNREACH',
  114: 'EALREADY',
  115: 'EINPROGRESS',
  512: 'ERESTARTSYS',
};

/** 111 → 'ECONNREFUSED'; a number without a name here → 'E<n>'; 0 → '' */
export function errnoName(n: number): string {
  const a = Math.abs(n);
  if (a === 0) return '';
  return ERRNO[a] ?? `E${a}`;
}

export type ConnectOutcome = 'established' | 'refused' | 'timeout' | 'unreachable' | 'aborted' | 'error' | 'pending';
/** the outcomes of a connect that failed (a warning in an event list) */
export const CONNECT_FAILURES: readonly ConnectOutcome[] = ['refused', 'timeout', 'unreachable', 'aborted', 'error'];

/**
 * How a connect ended: ESTABLISHED (state 1) → 'established'; CLOSE (7) → by its error: a RST
 * (ECONNREFUSED) 'refused', ETIMEDOUT 'timeout', ICMP unreachable 'unreachable', no error (closed by
 * its owner before the handshake ended) 'aborted', anything else 'error'; still SYN_SENT → 'pending'.
 */
export function connectOutcome(state: number, err: number): ConnectOutcome {
  if (state === 1) return 'established';
  if (state !== 7) return 'pending';
  switch (Math.abs(err)) {
    case 0:
      return 'aborted';
    case 111:
      return 'refused';
    case 110:
      return 'timeout';
    case 101:
    case 112:
    case 113:
      return 'unreachable';
    default:
      return 'error';
  }
}
