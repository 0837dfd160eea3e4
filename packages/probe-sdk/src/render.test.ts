import { describe, expect, it } from 'vitest';
import { log2Histogram } from './histogram.js';
import { formatPercentile, renderLog2, renderTable } from './render.js';

describe('renderLog2', () => {
  it('matches bcc print_log2_hist byte for byte', () => {
    // counts from bcc's tools/tcprtt_example.txt ("Remote Addres = 10.194.87.206"); header as
    // libbpf-tools' trace_helpers.c prints it
    const h = log2Histogram([0, 0, 0, 0, 0, 31, 5150, 10327, 1014, 10, 7, 14, 10, 0, 0], { unit: 'usecs', sum: 0 });
    const expected = [
      '     usecs               : count    distribution',
      '         0 -> 1          : 0        |                                        |',
      '         2 -> 3          : 0        |                                        |',
      '         4 -> 7          : 0        |                                        |',
      '         8 -> 15         : 0        |                                        |',
      '        16 -> 31         : 0        |                                        |',
      '        32 -> 63         : 31       |                                        |',
      '        64 -> 127        : 5150     |*******************                     |',
      '       128 -> 255        : 10327    |****************************************|',
      '       256 -> 511        : 1014     |***                                     |',
      '       512 -> 1023       : 10       |                                        |',
      '      1024 -> 2047       : 7        |                                        |',
      '      2048 -> 4095       : 14       |                                        |',
      '      4096 -> 8191       : 10       |                                        |',
      '',
    ].join('\n');
    expect(renderLog2(h)).toBe(expected);
  });

  it('takes a label and prints nothing for an empty histogram', () => {
    const h = log2Histogram([4, 0, 1], { unit: 'usecs', sum: 5 });
    expect(renderLog2(h, 'msecs').split('\n')[0]).toBe('     msecs               : count    distribution');
    expect(renderLog2(h).split('\n')[3]).toBe('         4 -> 7          : 1        |**********                              |');
    expect(renderLog2(log2Histogram([0, 0], { unit: 'usecs' }))).toBe('');
  });

  it('widens columns past bucket 32 like upstream', () => {
    const slots = new Array(35).fill(0);
    slots[34] = 2;
    slots[0] = 1;
    const lines = renderLog2(log2Histogram(slots, { unit: 'nsecs' })).split('\n');
    expect(lines[0]).toBe(`${' '.repeat(15)}nsecs${' '.repeat(24)} : count    distribution`);
    expect(lines[1]).toBe(`${' '.repeat(19)}0 -> 1                    : 1        |**********          |`);
    expect(lines[35]).toBe(`         17179869184 -> 34359738367          : 2        |********************|`);
  });
});

describe('text helpers', () => {
  it('formats percentiles with their bucket', () => {
    expect(formatPercentile('p50', { value: 21.333, lo: 16, hi: 31 })).toBe('p50 ~ 21.333 (16..31)');
    expect(formatPercentile('p99', null)).toBe('p99 -');
  });

  it('lays out a table', () => {
    const t = renderTable(
      [{ header: 'PID', align: 'right', width: 6 }, { header: 'COMM' }, { header: 'BYTES', align: 'right' }, { header: 'ADDR' }],
      [
        [1, 'sshd', 1234567, '10.0.0.1'],
        [31337, 'curl', 5, '::1'],
      ],
    );
    expect(t).toBe(['   PID COMM   BYTES ADDR', '     1 sshd 1234567 10.0.0.1', ' 31337 curl       5 ::1', ''].join('\n'));
  });
});
