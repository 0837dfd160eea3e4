import { describe, expect, it } from 'vitest';
import { CliError, parseDuration, parseParams, serverUrl } from './args.js';
import { Progress } from './progress.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
  ])('%s → %d ms', (s, ms) => expect(parseDuration(s)).toBe(ms));
  it.each([['30', /add a unit: 30s or 30ms/], ['', /e\.g\./], ['5 parsecs', /invalid duration/], ['10x', /invalid duration/]])('refuses %j', (s, re) => {
    expect(() => parseDuration(s)).toThrow(CliError);
    expect(() => parseDuration(s)).toThrow(re);
  });
});

describe('parseParams', () => {
  it('reads JSON values, comma lists and repeated keys', () => {
    expect(
      parseParams(['rport=443,8443', 'lport=80', 'extended=true', 'by=laddr', 'laddr=10.0.0.0/8', 'o={"a":[1]}', 'q="1,2"', 'lport=81']),
    ).toEqual({ rport: [443, 8443], lport: [80, 81], extended: true, by: 'laddr', laddr: '10.0.0.0/8', o: { a: [1] }, q: '1,2' });
  });
  it('refuses items without key=value', () => {
    expect(() => parseParams(['rport'])).toThrow("invalid --param 'rport': expected key=value");
    expect(() => parseParams(['=1'])).toThrow(CliError);
  });
});

describe('serverUrl', () => {
  it('adds the scheme and a loopback host for a bare port', () => {
    expect(serverUrl('7070')).toBe('http://127.0.0.1:7070');
    expect(serverUrl('host:8080/')).toBe('http://host:8080');
    expect(serverUrl('https://sonde.example/')).toBe('https://sonde.example');
  });
});

describe('Progress', () => {
  function sink() {
    let text = '';
    return { stream: { write: (s: string) => ((text += s), true), isTTY: false } as unknown as NodeJS.WriteStream, text: () => text };
  }
  it('prints plain lines without a terminal', () => {
    const s = sink();
    const p = new Progress({ probe: 'tcprtt', durationMs: 1000, stream: s.stream });
    p.start('j_1');
    p.attached('tp_btf');
    p.stopping();
    p.done('stopped');
    expect(s.text()).toMatch(/^sonde: tcprtt j_1: queued for 1s\nsonde: tcprtt: attached \(tp_btf\), running\nsonde: tcprtt: stopping \(partial result follows\)\nsonde: tcprtt: stopped after \d+ms\n$/);
  });
  it('redraws one bar on a terminal and clears it at the end', () => {
    const s = sink();
    const p = new Progress({ probe: 'tcprtt', durationMs: 1000, stream: s.stream, tty: true });
    p.start();
    p.attached('tp_btf', Date.now() - 500);
    p.done('succeeded');
    expect(s.text()).toMatch(/^\r\x1b\[Ktcprtt ░{30} 0ms\/1s starting/);
    expect(s.text().endsWith('\r\x1b[K')).toBe(true);
  });
});
