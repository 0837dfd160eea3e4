import { describe, expect, it } from 'vitest';
import type { TcpsubnetData } from './index.js';
import { renderTcpsubnet } from './render.js';

const data: TcpsubnetData = {
  subnets: ['127.0.0.1/32', '10.0.0.0/8', '0.0.0.0/0'],
  unit: 'KBytes',
  by: 'none',
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

  it('with by pod: a line per subnet and owner, ending with the owner; -J nests owners under their subnet', () => {
    const at = '2026-03-05T22:38:58.120Z';
    const byPod: TcpsubnetData = {
      ...data,
      by: 'pod',
      intervals: [
        {
          at,
          rows: [
            { subnet: '10.0.0.0/8', index: 1, key: 'shop/web-0', cgroup: '4242', bytes: 3072, sends: 3, value: 3 },
            { subnet: '10.0.0.0/8', index: 1, key: 'shop/db-0', cgroup: '4343', bytes: 1024, sends: 1, value: 1 },
          ],
        },
      ],
    };
    expect(renderTcpsubnet(byPod, { json: false })).toBe(['[03/05/26 22:38:58]', '10.0.0.0/8                 3  shop/web-0', '10.0.0.0/8                 1  shop/db-0', ''].join('\n'));
    expect(renderTcpsubnet(byPod, { json: true })).toBe('{"date":"03/05/26","time":"22:38:58","entries":{"10.0.0.0/8":{"shop/web-0":3,"shop/db-0":1}}}\n');
  });
});
