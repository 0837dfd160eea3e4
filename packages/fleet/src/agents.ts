/**
 * Agents and how to find them: a static list (SONDE_FLEET_AGENTS) or the EndpointSlices of the
 * agents' headless Service (endpointslices.ts). Label selection is Kubernetes' equality-based
 * selector syntax over each agent's labels.
 */

export interface Agent {
  /** the node name (Kubernetes nodeName), or the agent's host:port in a static list */
  node: string;
  url: string;
  labels: Record<string, string>;
}

/** anything that lists the agents now; called once per fleet job and per /v1/probes */
export interface Discovery {
  readonly kind: 'static' | 'endpointslices';
  agents(): Promise<Agent[]>;
}

export class FleetConfigError extends Error {
  override name = 'FleetConfigError';
}

/**
 * `url[;key=value...][,url...]`, e.g. `http://10.0.0.1:7070;node=a;zone=eu-1,http://10.0.0.2:7070`.
 * `node=` names the agent (default host:port); other pairs are its labels.
 */
export function parseStaticAgents(spec: string): Agent[] {
  const agents = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const [rawUrl, ...pairs] = entry.split(';').map((s) => s.trim());
      let url: URL;
      try {
        url = new URL(rawUrl ?? '');
      } catch {
        throw new FleetConfigError(`SONDE_FLEET_AGENTS[${i}]: '${rawUrl}' is not a URL (expected http://host:port)`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new FleetConfigError(`SONDE_FLEET_AGENTS[${i}]: '${rawUrl}' is not http(s)`);
      }
      const labels: Record<string, string> = {};
      let node = url.host;
      for (const p of pairs.filter(Boolean)) {
        const eq = p.indexOf('=');
        if (eq <= 0) throw new FleetConfigError(`SONDE_FLEET_AGENTS[${i}]: label '${p}' is not key=value`);
        const k = p.slice(0, eq).trim();
        const v = p.slice(eq + 1).trim();
        if (k === 'node') node = v;
        else labels[k] = v;
      }
      return { node, url: url.href.replace(/\/+$/, ''), labels };
    });
  const seen = new Set<string>();
  for (const a of agents) {
    if (seen.has(a.node)) throw new FleetConfigError(`SONDE_FLEET_AGENTS: node '${a.node}' is listed twice`);
    seen.add(a.node);
  }
  return agents;
}

export function staticDiscovery(agents: Agent[]): Discovery {
  return { kind: 'static', agents: async () => agents.map((a) => ({ ...a, labels: { ...a.labels } })) };
}

type Requirement =
  | { op: '='; key: string; value: string }
  | { op: '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | '!exists'; key: string };

/**
 * A label selector as kubectl takes it: `zone=a,role!=db,tier in (web,api),gpu,!spot`.
 * Throws on anything it does not understand rather than selecting everything.
 */
export function parseSelector(sel: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const key = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p): Requirement => {
      let m: RegExpMatchArray | null;
      if ((m = p.match(/^(\S+?)\s*(==|=|!=)\s*(\S*)$/)) && key.test(m[1]!)) {
        return m[2] === '!=' ? { op: '!=', key: m[1]!, value: m[3]! } : { op: '=', key: m[1]!, value: m[3]! };
      }
      if ((m = p.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/)) && key.test(m[1]!)) {
        return { op: m[2] as 'in' | 'notin', key: m[1]!, values: m[3]!.split(',').map((s) => s.trim()).filter(Boolean) };
      }
      if ((m = p.match(/^!\s*(\S+)$/)) && key.test(m[1]!)) return { op: '!exists', key: m[1]! };
      if (key.test(p)) return { op: 'exists', key: p };
      throw new FleetConfigError(`selector: cannot parse '${p}' (use k=v, k!=v, k in (a,b), k notin (a,b), k, !k)`);
    });
}

export function matches(labels: Record<string, string>, reqs: Requirement[]): boolean {
  return reqs.every((r) => {
    const v = labels[r.key];
    switch (r.op) {
      case '=':
        return v === r.value;
      case '!=':
        return v !== r.value;
      case 'in':
        return v !== undefined && r.values.includes(v);
      case 'notin':
        return v === undefined || !r.values.includes(v);
      case 'exists':
        return v !== undefined;
      case '!exists':
        return v === undefined;
    }
  });
}

/** the agents a selector (and/or an explicit node list) picks */
export function select(agents: Agent[], selector?: string, nodes?: string[]): Agent[] {
  const reqs = selector ? parseSelector(selector) : [];
  return agents.filter((a) => matches({ ...a.labels, 'sonde.dev/node': a.node }, reqs) && (!nodes || nodes.includes(a.node)));
}
