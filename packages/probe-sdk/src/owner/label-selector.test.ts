import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from './label-selector.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'app.kubernetes.io/part-of': 'shop' };
  const m = (sel: string | Record<string, string>, l: Record<string, string> = labels) => matchesLabels(parseLabelSelector(sel), l);

  it('parses every kubectl form', () => {
    expect(parseLabelSelector('app=web, tier!=db,env in (prod, staging),track notin (canary),release,!legacy,x==y')).toEqual([
      { key: 'app', op: 'in', values: ['web'] },
      { key: 'tier', op: 'notin', values: ['db'] },
      { key: 'env', op: 'in', values: ['prod', 'staging'] },
      { key: 'track', op: 'notin', values: ['canary'] },
      { key: 'release', op: 'exists' },
      { key: 'legacy', op: 'doesnotexist' },
      { key: 'x', op: 'in', values: ['y'] },
    ]);
    expect(parseLabelSelector('')).toEqual([]);
  });

  it('matches as the API server does', () => {
    expect(m('app=web')).toBe(true);
    expect(m('app=web,tier=back')).toBe(false);
    expect(m('app.kubernetes.io/part-of=shop')).toBe(true);
    expect(m('tier in (front,back)')).toBe(true);
    expect(m('tier notin (front)')).toBe(false);
    expect(m('missing notin (x)')).toBe(true); // notin holds when the label is absent
    expect(m('missing!=x')).toBe(true);
    expect(m('missing in (x)')).toBe(false);
    expect(m('app')).toBe(true);
    expect(m('!app')).toBe(false);
    expect(m('')).toBe(true);
    expect(m({ app: 'web', tier: 'front' })).toBe(true);
    expect(m({ app: 'db' })).toBe(false);
    expect(m('app=', { app: '' })).toBe(true);
  });

  it('says what is wrong', () => {
    expect(() => parseLabelSelector('app in web')).toThrow('label selector "app in web": cannot read "app in web"');
    expect(() => parseLabelSelector('a=b,,c=d')).toThrow('empty requirement');
    expect(() => parseLabelSelector('-bad=x')).toThrow('bad label key "-bad"');
    expect(() => parseLabelSelector('app=we b')).toThrow(/cannot read/);
    expect(() => parseLabelSelector({ app: 'no spaces' })).toThrow('bad label value "no spaces"');
  });
});
