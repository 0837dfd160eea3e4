import { describe, expect, it } from 'vitest';
import type { TcpsubnetData } from './index.js';
import { renderTcpsubnet } from './render.js';

const data: TcpsubnetData = {
  subnets: ['127.0.0.1/32', '10.0.0.0/8', '0.0.0.0/0'],
  unit: 'KBytes',
  intervals: [
    {
      at: '2026-03-05T22:38:58.120Z',
      rows: [
        { subnet: '10.0.0.0/8', index: 1, bytes: 4_000_000, sends: 10, value: 3906.25 },
        { subnet: null, index: 32, bytes: 2048, sends: 1, value: 2 },
      ],
    },
    { at: '2026-03-05T22:38:59.120Z', rows: [] },
  ],
  total: { at: '2026-03-05T22:38:59.200Z', rows: [] },
};

describe('renderTcpsubnet', () => {
  it('prints upstream blocks', () => {
    expect(renderTcpsubnet(data, { json: false })).toBe(
      ['[03/05/26 22:38:58]', '10.0.0.0/8              3906', '(no match)                 2', '[03/05/26 22:38:59]', ''].join('\n'),
    );
  });

  it('prints upstream -J lines', () => {
    expect(renderTcpsubnet(data, { json: true }).split('\n')[0]).toBe('{"date":"03/05/26","time":"22:38:58","entries":{"10.0.0.0/8":3906,"(no match)":2}}');
  });
});
