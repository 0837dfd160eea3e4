import { describe, expect, it } from 'vitest';
import { declarationProblems, eventSummary, eventWarns, type EventsDecl, type OutputShape } from './output.js';

const ev = { comm: 'curl', laddr: '10.0.0.1', lport: 40000, raddr: '10.0.0.2', rport: 443, oldstate: 'SYN_SENT', newstate: 'ESTABLISHED', ms: 3, outcome: 'refused', error: '' };

describe('event lists: the declared summary line and warning', () => {
  it('writes who, the flow and what in order; numbers as name=value, pairs as from->to, empty values left out', () => {
    const d: EventsDecl = { events: { time: 'time', summary: { who: 'comm', flow: ['laddr', 'lport', 'raddr', 'rport'], what: [['oldstate', 'newstate'], 'ms', 'error', 'nothing'] } } };
    expect(eventSummary('tcpstates', d, ev)).toBe('tcpstates curl 10.0.0.1:40000 > 10.0.0.2:443 SYN_SENT->ESTABLISHED ms=3');
  });

  it('is the probe name alone when nothing is declared (data from an older agent), never a guess from field names', () => {
    expect(eventSummary('tcpconnect', { events: {} }, ev)).toBe('tcpconnect');
  });

  it('leaves the flow out when the event has no addresses (a packet without a socket)', () => {
    const d: EventsDecl = { events: { summary: { flow: ['laddr', 'lport', 'raddr', 'rport'], what: ['outcome'] } } };
    expect(eventSummary('p', d, { outcome: 'x' })).toBe('p x');
  });

  it('warns as declared: always, on listed values of a field, or never', () => {
    expect(eventWarns({ events: { warn: true } }, {})).toBe(true);
    const d: EventsDecl = { events: { warn: { field: 'outcome', values: ['refused', 'timeout'] } } };
    expect(eventWarns(d, ev)).toBe(true);
    expect(eventWarns(d, { ...ev, outcome: 'established' })).toBe(false);
    expect(eventWarns({ events: {} }, ev)).toBe(false);
  });

  it('refuses a malformed summary or warning in a declaration', () => {
    const shape = (events: unknown): OutputShape => ({ kind: 'events', fields: { events: { events } as EventsDecl['events'] } as never });
    expect(declarationProblems({ kind: 'events', fields: { events: { events: { time: 'time', summary: { flow: ['a', 'b', 'c', 'd'] }, warn: true } } } })).toEqual([]);
    expect(declarationProblems(shape({ summary: { flow: ['laddr', 'lport'] } }))).toEqual(['events: summary.flow names local address, port, remote address and port']);
    expect(declarationProblems(shape({ warn: { field: 'outcome' } }))).toEqual(['events: warn is true or { field, values }']);
  });
});
