#!/usr/bin/env node
/**
 * Render the sonde chart without helm: exactly the template constructs the chart uses, and an
 * error on anything else (so a template that would need real Helm cannot slip through):
 *
 *   {{ .Values.a.b }}  {{ .Release.Name }}  {{ .Release.Namespace }}  {{ .Chart.Name }}  {{ .Chart.AppVersion }}
 *   pipes: | quote   | default <path or "literal">   | nindent N   | indent N
 *   functions: toYaml <path>   not <path>
 *   blocks: {{ if <expr> }} ... {{ else }} ... {{ end }}   and the {{- / -}} whitespace trims
 *
 * Values merge like `helm template -f`: maps deeply, everything else replaced. Truthiness is Go's:
 * false, 0, "", null, empty list/map are false.
 *
 *   node deploy/helm/render.mjs [--namespace ns] [--release name] [-f values.yaml] [--set a.b=c]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// yaml 2 is a dev dependency of @sonde/fleet (whose test renders this chart); resolve it from there
const YAML = createRequire(new URL('../../packages/fleet/package.json', import.meta.url))('yaml');

const CHART = new URL('./sonde/', import.meta.url).pathname;

export function deepMerge(base, over) {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}
const isMap = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const truthy = (v) => !(v === false || v === 0 || v === '' || v === null || v === undefined || (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0));

function tokenize(src, file) {
  const out = [];
  const re = /\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}/g;
  let last = 0;
  let m;
  let trimNext = false;
  while ((m = re.exec(src))) {
    let text = src.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1]) text = text.replace(/\s+$/, '');
    out.push({ t: 'text', v: text });
    out.push({ t: 'action', v: m[2], file });
    trimNext = !!m[3];
    last = re.lastIndex;
  }
  let rest = src.slice(last);
  if (trimNext) rest = rest.replace(/^\s+/, '');
  out.push({ t: 'text', v: rest });
  return out;
}

function parse(tokens) {
  const root = [];
  const stack = [{ body: root }];
  for (const tok of tokens) {
    const top = stack[stack.length - 1];
    const cur = top.inElse ? top.node.else : top.body;
    if (tok.t === 'text') {
      cur.push(tok);
      continue;
    }
    const a = tok.v;
    if (a.startsWith('/*')) continue;
    if (/^if\s/.test(a)) {
      const node = { t: 'if', cond: a.slice(3).trim(), then: [], else: [] };
      cur.push(node);
      stack.push({ node, body: node.then, inElse: false });
    } else if (a === 'else') {
      if (stack.length < 2 || top.inElse) throw new Error(`${tok.file}: stray {{ else }}`);
      top.inElse = true;
    } else if (a === 'end') {
      if (stack.length < 2) throw new Error(`${tok.file}: stray {{ end }}`);
      stack.pop();
    } else cur.push({ t: 'expr', v: a, file: tok.file });
  }
  if (stack.length !== 1) throw new Error('unclosed {{ if }}');
  return root;
}

function lookup(ctx, path) {
  if (/^"(.*)"$/.test(path)) return JSON.parse(path);
  if (/^-?\d+$/.test(path)) return Number(path);
  if (!path.startsWith('.')) throw new Error(`unsupported value '${path}' (only .Values/.Release/.Chart paths and "literals")`);
  let v = ctx;
  for (const k of path.slice(1).split('.')) v = v?.[k];
  return v;
}

function toYaml(v) {
  if (v === undefined || v === null) return 'null';
  return YAML.stringify(v, { lineWidth: 0 }).replace(/\n$/, '');
}

function evalExpr(ctx, expr, file) {
  const stages = expr.split('|').map((s) => s.trim());
  const [head, ...pipes] = stages;
  const words = head.split(/\s+/);
  let v;
  if (words[0] === 'toYaml' && words.length === 2) v = toYaml(lookup(ctx, words[1]));
  else if (words[0] === 'not' && words.length === 2) v = !truthy(lookup(ctx, words[1]));
  else if (words.length === 1) v = lookup(ctx, words[0]);
  else throw new Error(`${file}: unsupported expression '${expr}'`);
  for (const p of pipes) {
    const [fn, ...args] = p.split(/\s+/);
    if (fn === 'quote' && args.length === 0) v = JSON.stringify(v === undefined || v === null ? '' : String(v));
    else if (fn === 'default' && args.length === 1) v = truthy(v) ? v : lookup(ctx, args[0]);
    else if (fn === 'nindent' && args.length === 1) v = '\n' + indent(String(v), Number(args[0]));
    else if (fn === 'indent' && args.length === 1) v = indent(String(v), Number(args[0]));
    else if (fn === 'toYaml' && args.length === 0) v = toYaml(v);
    else throw new Error(`${file}: unsupported pipe '${p}' in '${expr}'`);
  }
  return v;
}

const indent = (s, n) => s.split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function run(ctx, nodes) {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.v;
    else if (n.t === 'if') out += run(ctx, truthy(evalExpr(ctx, n.cond, 'if')) ? n.then : n.else);
    else {
      const v = evalExpr(ctx, n.v, n.file);
      if (isMap(v) || Array.isArray(v)) throw new Error(`${n.file}: '${n.v}' is a map/list: use toYaml`);
      out += v === undefined || v === null ? '' : String(v);
    }
  }
  return out;
}

/** Render the chart: the YAML text per template file (only non-empty documents kept) and the parsed documents. */
export function renderChart({ values = {}, release = 'sonde', namespace = 'default', chartDir = CHART } = {}) {
  const chart = YAML.parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
  const defaults = YAML.parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
  const ctx = {
    Values: deepMerge(defaults, values),
    Release: { Name: release, Namespace: namespace, Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const files = readdirSync(join(chartDir, 'templates')).filter((f) => /\.ya?ml$/.test(f)).sort();
  const texts = [];
  const docs = [];
  for (const f of files) {
    const text = run(ctx, parse(tokenize(readFileSync(join(chartDir, 'templates', f), 'utf8'), f)));
    for (const d of YAML.parseAllDocuments(text)) {
      if (d.errors.length) throw new Error(`templates/${f}: ${d.errors[0].message}`);
      const obj = d.toJS();
      if (obj === null || obj === undefined) continue;
      docs.push({ source: `templates/${f}`, obj });
      texts.push(`---\n# Source: sonde/templates/${f}\n${YAML.stringify(obj, { lineWidth: 0 })}`);
    }
  }
  return { docs, yaml: texts.join('') };
}

function setPath(obj, path, value) {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys.at(-1)] = value;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  let values = {};
  let release = 'sonde';
  let namespace = 'default';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-f' || a === '--values') values = deepMerge(values, YAML.parse(readFileSync(args[++i], 'utf8')));
    else if (a === '--set') {
      const [k, ...v] = args[++i].split('=');
      setPath(values, k, v.join('='));
    } else if (a === '--namespace' || a === '-n') namespace = args[++i];
    else if (a === '--release') release = args[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  process.stdout.write(renderChart({ values, release, namespace }).yaml);
}
