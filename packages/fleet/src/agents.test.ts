import { describe, expect, it } from 'vitest';
import { parseSelector, parseStaticAgents, select } from './agents.js';
import { agentsFromSlices } from './endpointslices.js';

describe('static agents', () => {
  it('parses urls with node names and labels', () => {
    expect(parseStaticAgents('http://10.0.0.1:7070;node=a;zone=eu, http://10.0.0.2:7070/')).toEqual([
      { node: 'a', url: 'http://10.0.0.1:7070', labels: { zone: 'eu' } },
      { node: '10.0.0.2:7070', url: 'http://10.0.0.2:7070', labels: {} },
    ]);
  });
  it('refuses what it cannot read', () => {
    expect(() => parseStaticAgents('10.0.0.1:7070')).toThrow(/not http|not a URL/);
    expect(() => parseStaticAgents('http://a:1;zone')).toThrow(/key=value/);
    expect(() => parseStaticAgents('http://a:1;node=x,http://b:1;node=x')).toThrow(/twice/);
  });
});

describe('selectors', () => {
  const agents = parseStaticAgents('http://a:1;node=a;zone=eu;gpu=1,http://b:1;node=b;zone=us,http://c:1;node=c;zone=ap');
  const names = (sel: string) => select(agents, sel).map((a) => a.node);
  it('selects like kubectl', () => {
    expect(names('zone=eu')).toEqual(['a']);
    expect(names('zone!=eu')).toEqual(['b', 'c']);
    expect(names('zone in (us, ap)')).toEqual(['b', 'c']);
    expect(names('zone notin (us),!gpu')).toEqual(['c']);
    expect(names('gpu')).toEqual(['a']);
    expect(names('sonde.dev/node=b')).toEqual(['b']);
    expect(names('')).toEqual(['a', 'b', 'c']);
  });
  it('rejects what it does not understand', () => {
    expect(() => parseSelector('zone>=3')).toThrow(/cannot parse/);
  });
});

describe('EndpointSlices', () => {
  it('one agent per ready endpoint, labelled with node and zone', () => {
    const agents = agentsFromSlices([
      {
        ports: [{ name: 'metrics', port: 9100 }, { name: 'http', port: 7070 }],
        endpoints: [
          { addresses: ['10.1.0.5'], nodeName: 'w2', zone: 'eu-1', conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'sonde-abc' } },
          { addresses: ['10.1.0.4'], nodeName: 'w1', conditions: { ready: true } },
          { addresses: ['10.1.0.6'], nodeName: 'w3', conditions: { ready: false } },
        ],
      },
      { ports: [{ name: 'http', port: 7070 }], endpoints: [{ addresses: ['fd00::7'], nodeName: 'w4' }] },
    ]);
    expect(agents).toEqual([
      { node: 'w1', url: 'http://10.1.0.4:7070', labels: { 'kubernetes.io/hostname': 'w1' } },
      { node: 'w2', url: 'http://10.1.0.5:7070', labels: { 'kubernetes.io/hostname': 'w2', 'topology.kubernetes.io/zone': 'eu-1', 'sonde.dev/pod': 'sonde-abc' } },
      { node: 'w4', url: 'http://[fd00::7]:7070', labels: { 'kubernetes.io/hostname': 'w4' } },
    ]);
  });
});
