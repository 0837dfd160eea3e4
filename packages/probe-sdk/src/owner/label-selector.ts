/**
 * Kubernetes label selectors, as kubectl -l takes them: `app=web,tier!=db,env in (prod,staging),
 * track notin (canary),release,!legacy` — or a plain { key: value } map (matchLabels). Requirements
 * are ANDed; an empty selector matches everything, as in the API.
 */

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]{0,61}[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]{0,61}[a-z0-9A-Z])?)?$/;

export class LabelSelectorError extends Error {
  constructor(selector: string, why: string) {
    super(`label selector "${selector}": ${why}`);
    this.name = 'LabelSelectorError';
  }
}

/** split on commas outside parentheses */
function terms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() || out.length > 0) out.push(cur.trim());
  return out;
}

/** Parse a selector string or a matchLabels map into requirements; throws LabelSelectorError. */
export function parseLabelSelector(sel: string | Record<string, string>): LabelRequirement[] {
  if (typeof sel !== 'string') {
    return Object.entries(sel).map(([key, v]) => {
      const src = `${key}=${v}`;
      if (!KEY.test(key)) throw new LabelSelectorError(src, `bad label key "${key}"`);
      if (!VALUE.test(v)) throw new LabelSelectorError(src, `bad label value "${v}"`);
      return { key, op: 'in' as const, values: [v] };
    });
  }
  const reqs: LabelRequirement[] = [];
  for (const t of terms(sel)) {
    if (!t) throw new LabelSelectorError(sel, 'empty requirement');
    let m: RegExpExecArray | null;
    let r: LabelRequirement;
    if ((m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(t))) {
      r = { key: m[1]!, op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] };
    } else if ((m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(t))) {
      const values = m[3]!.split(',').map((v) => v.trim());
      r = { key: m[1]!, op: m[2] as 'in' | 'notin', values };
    } else if ((m = /^!\s*(\S+)$/.exec(t))) {
      r = { key: m[1]!, op: 'doesnotexist' };
    } else if ((m = /^(\S+)$/.exec(t))) {
      r = { key: m[1]!, op: 'exists' };
    } else {
      throw new LabelSelectorError(sel, `cannot read "${t}" (key=value, key!=value, key in (a,b), key notin (a,b), key, !key)`);
    }
    if (!KEY.test(r.key)) throw new LabelSelectorError(sel, `bad label key "${r.key}"`);
    if ('values' in r) {
      const bad = r.values.find((v) => !VALUE.test(v));
      if (bad !== undefined) throw new LabelSelectorError(sel, `bad label value "${bad}"`);
    }
    reqs.push(r);
  }
  return reqs;
}

/** Do these labels satisfy every requirement? */
export function matchesLabels(reqs: readonly LabelRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
    }
  });
}
