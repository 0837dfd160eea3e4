import { expect, it } from 'vitest';
import { describeKernel } from './kernel.js';
import { netnsPair } from './netns.js';

describeKernel('netnsPair', () => {
  it('joins two namespaces that reach each other and nothing else', () => {
    const p = netnsPair('t');
    try {
      expect(p.inoA).not.toBe(p.inoB);
      const out = p.exec(p.a, ['ping', '-c', '1', '-W', '2', p.ipB]);
      expect(out).toMatch(/1 received/);
    } finally {
      p.destroy();
    }
  });
});
