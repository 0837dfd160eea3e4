#!/usr/bin/env node
/**
 * Layouts from BTF: reads a compiled object's BTF (`bpftool -j btf dump file X.bpf.o`) and writes the
 * TypeScript the user side decodes with — no struct is mirrored by hand.
 *
 *   node bpf/gen-layout.mjs <X.bpf.o> <out.ts> [--sdk]
 *
 * Written, one declaration per line:
 *   - every struct the user side reads: those named by SONDE_RECORD(s) (a probe header's structs; bpf/include/layout.h),
 *     the keys and values of the object's maps, the types of its non-const globals (iterator output), and
 *     the structs nested in them: a type and a probe-sdk `layout()` with size, offsets and kinds;
 *   - `programs` (every global BPF function: SEC programs), `maps` (name → kind, key, value, max_entries),
 *     `Globals` (the .rodata `const volatile` knobs a job sets, typed), `globals` (each knob's size in bytes
 *     and, for an array, its length) and `Vars` (.bss/.data globals);
 * Structs tagged SONDE_SHARED live in bpf/include and are generated once, into probe-sdk (--sdk, from
 * bpf/sdk.bpf.c); a probe's file imports them from '@sonde/probe-sdk'.
 * A bitfield, or a struct with no name that cannot be named by its parent, is an error: the build stops.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

const [obj, out, ...flags] = process.argv.slice(2);
if (!obj || !out) {
  console.error('usage: gen-layout.mjs <X.bpf.o> <out.ts> [--sdk]');
  process.exit(2);
}
const sdk = flags.includes('--sdk');
const types = new Map(JSON.parse(execFileSync(process.env.BPFTOOL ?? 'bpftool', ['-j', 'btf', 'dump', 'file', obj], { encoding: 'utf8', maxBuffer: 256 << 20 })).types.map((t) => [t.id, t]));
const fail = (msg) => {
  console.error(`gen-layout: ${basename(obj)}: ${msg}`);
  process.exit(1);
};

const tags = new Map(); // struct id -> Set of decl tags
for (const t of types.values()) if (t.kind === 'DECL_TAG' && t.component_idx === -1) (tags.get(t.type_id) ?? tags.set(t.type_id, new Set()).get(t.type_id)).add(t.name);
const tagged = (id, tag) => tags.get(id)?.has(tag) ?? false;

/** follow typedefs and qualifiers; the typedef names met on the way */
function resolve(id) {
  const names = [];
  let t = types.get(id);
  while (t && ['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(t.kind)) {
    if (t.kind === 'TYPEDEF') names.push(t.name);
    t = types.get(t.type_id);
  }
  return { t, names };
}

/** an INT/ENUM/PTR's kind; x64 for 64-bit values behind a sonde_* typedef */
function scalarKind(t, names) {
  if (t.kind === 'PTR') return 'x64';
  if (t.kind === 'ENUM' || t.kind === 'ENUM64') return t.size === 8 ? 'u64' : t.size === 4 ? 'u32' : t.size === 2 ? 'u16' : 'u8';
  if (t.kind !== 'INT') return null;
  if (t.encoding === 'BOOL') return 'bool';
  const signed = t.encoding === 'SIGNED';
  if (t.size === 8) return names.some((n) => n.startsWith('sonde_')) ? 'x64' : signed ? 's64' : 'u64';
  if (t.size === 1 && t.name === 'char') return 'char';
  return `${signed ? 's' : 'u'}${t.size * 8}`;
}

const structs = new Map(); // id -> { name, line } (lines in `order`, dependencies first)
const structNames = new Set();
const shared = new Set(); // names imported from the SDK
const order = [];

function structName(t, hint) {
  if (t.name && t.name !== '(anon)') return t.name;
  if (!hint) fail(`an anonymous ${t.kind.toLowerCase()} with nothing to name it by`);
  return hint;
}

/** the spec of one member: [name, offset, kind|struct, count] as source text; the TS type */
function member(m, parent) {
  if (m.bitfield_size) fail(`struct ${parent}: bitfield ${m.name} (not supported: use whole integers)`);
  const off = m.bits_offset / 8;
  let { t, names } = resolve(m.type_id);
  let count = 1;
  while (t.kind === 'ARRAY') {
    count *= t.nr_elems;
    ({ t, names } = resolve(t.type_id));
  }
  const name = m.name && m.name !== '(anon)' ? m.name : `_anon${off}`;
  if (t.kind === 'STRUCT') {
    const n = visit(t, `${parent}_${name}`);
    return { spec: `[${q(name)}, ${off}, ${n}${count > 1 ? `, ${count}` : ''}]`, ts: `${name}: ${n}${count > 1 ? '[]' : ''}` };
  }
  if (t.kind === 'UNION') return { spec: `[${q(name)}, ${off}, 'bytes', ${t.size * count}]`, ts: `${name}: Buffer` };
  const k = scalarKind(t, names);
  if (!k) fail(`struct ${parent}: member ${name} of kind ${t.kind}`);
  if (k === 'char') return { spec: `[${q(name)}, ${off}, 'char', ${count}]`, ts: `${name}: string` };
  if (k === 'u8' && count > 1) return { spec: `[${q(name)}, ${off}, 'bytes', ${count}]`, ts: `${name}: Buffer` };
  const one = k === 'x64' ? 'bigint' : k === 'bool' ? 'boolean' : 'number';
  return { spec: `[${q(name)}, ${off}, ${q(k)}${count > 1 ? `, ${count}` : ''}]`, ts: `${name}: ${one}${count > 1 ? '[]' : ''}` };
}

const q = (s) => `'${s}'`;

/** register a struct (and what it nests) for emission; its TS name */
function visit(t, hint) {
  const name = structName(t, hint);
  if (structs.has(t.id)) return structs.get(t.id).name;
  structNames.add(name);
  if (!sdk && tagged(t.id, 'sonde:shared')) {
    structs.set(t.id, { name });
    shared.add(name);
    return name;
  }
  const entry = { name };
  structs.set(t.id, entry);
  const ms = (t.members ?? []).filter((m) => !/^(__)?pad[0-9_]*$/.test(m.name)).map((m) => member(m, name));
  entry.line = `export type ${name} = { ${ms.map((m) => m.ts).join('; ')} };\nexport const ${name} = layout<${name}>(${q(name)}, ${t.size}, [${ms.map((m) => m.spec).join(', ')}]);`;
  order.push(entry);
  return name;
}

/** a map's or global's value type as TS: a struct's name, or a scalar kind */
function typeRef(id, hint) {
  const { t, names } = resolve(id);
  if (t.kind === 'STRUCT') return visit(t, hint);
  if (t.kind === 'ARRAY') {
    let e = resolve(t.type_id);
    return `${scalarKind(e.t, e.names) ?? e.t.kind.toLowerCase()}[${t.nr_elems}]`;
  }
  return scalarKind(t, names) ?? t.kind.toLowerCase();
}

const datasecs = [...types.values()].filter((t) => t.kind === 'DATASEC');
const MAP_TYPES = { 1: 'hash', 2: 'array', 3: 'prog_array', 4: 'perf_event_array', 5: 'percpu_hash', 6: 'percpu_array', 7: 'stack_trace', 9: 'lru_hash', 10: 'lru_percpu_hash', 12: 'hash_of_maps', 27: 'ringbuf' };

const varsOf = (sec) => (datasecs.find((d) => d.name === sec)?.vars ?? []).map((v) => ({ ...v, var: types.get(v.type_id) }));

// the SDK's generation object names what to generate by tagging it; a probe's by what it reads
if (sdk) for (const t of types.values()) if (t.kind === 'STRUCT' && tagged(t.id, 'sonde:shared')) visit(t);
// SONDE_RECORD(s): a pointer named sonde_record_<s> in .bss
const RECORD = 'sonde_record_';
for (const d of datasecs) for (const v of d.vars ?? []) {
  const gv = types.get(v.type_id);
  if (gv.name.startsWith(RECORD)) visit(resolve(resolve(gv.type_id).t.type_id).t);
}

const maps = [];
for (const { var: v } of varsOf('.maps')) {
  const { t } = resolve(v.type_id);
  const field = (n) => t.members.find((m) => m.name === n);
  const dim = (n) => {
    const m = field(n);
    if (!m) return undefined;
    const p = resolve(m.type_id).t; // int (*type)[N]: a pointer to an array of N
    return resolve(p.type_id).t.nr_elems;
  };
  const kv = (n) => {
    const m = field(n);
    if (!m) return undefined;
    return typeRef(resolve(m.type_id).t.type_id, `${v.name}_${n}`);
  };
  const type = dim('type');
  const key = kv('key');
  const value = kv('value');
  const ref = (r) => (r === undefined ? 'null' : structNames.has(r) ? r : q(r));
  maps.push(`${v.name}: { type: ${q(MAP_TYPES[type] ?? `type ${type}`)}, key: ${ref(key)}, value: ${ref(value)}, maxEntries: ${dim('max_entries') ?? 0} }`);
}

/** a .bss/.data global's TS type when decoded */
function globalTs(v) {
  const r = typeRef(v.var.type_id, v.var.name);
  if (/\[\d+\]$/.test(r)) return 'Buffer';
  if (r === 'x64') return 'bigint';
  if (r === 'bool') return 'boolean';
  if (/^[us]\d+$/.test(r)) return 'number';
  return r;
}
// `const volatile` knobs are global (a `static const` is the program's own constant), set as the loader writes them
const knobs = varsOf('.rodata').filter((v) => v.var.linkage !== 'static');
const globals = knobs.map((v) => `${v.var.name}?: GlobalValue`);
const globalSizes = knobs.map((v) => {
  const t = resolve(v.var.type_id).t;
  return `${v.var.name}: { size: ${v.size}${t.kind === 'ARRAY' ? `, length: ${t.nr_elems}` : ''} }`;
});
const vars = [...varsOf('.bss'), ...varsOf('.data')].filter((v) => v.var.linkage !== 'static' && !v.var.name.startsWith(RECORD)).map((v) => `${v.var.name}: ${globalTs(v)}`);
const programs = [...types.values()].filter((t) => t.kind === 'FUNC' && t.linkage === 'global').map((t) => t.name).sort();

const src = sdk ? basename(obj).replace(/\.o$/, '.c') : basename(obj);
const lines = [
  `// Generated from ${src}'s BTF by bpf/gen-layout.mjs at build. Do not edit: change the C struct and rebuild.`,
  sdk ? `import { layout } from './layout.js';` : `import { layout${[...shared].sort().map((n) => `, ${n}`).join('')}, type GlobalValue } from '@sonde/probe-sdk';`,
  '',
  ...order.map((e) => e.line),
];
if (!sdk) {
  lines.push(
    '',
    `export const programs = [${programs.map(q).join(', ')}] as const;`,
    'export type Program = (typeof programs)[number];',
    `export const maps = { ${maps.join(', ')} } as const;`,
    'export type MapName = keyof typeof maps;',
    `export type Globals = { ${globals.join('; ')} };`,
    `export const globals = { ${globalSizes.join(', ')} } as const;`,
    `export type Vars = { ${vars.join('; ')} };`,
    '/** what ProbeContext.load<Names>() checks names against */',
    'export type Names = { map: MapName; program: Program; globals: Globals };',
  );
}
const text = lines.join('\n') + '\n';
mkdirSync(dirname(out), { recursive: true });
let old = '';
try {
  old = readFileSync(out, 'utf8');
} catch {
  /* first generation */
}
if (old !== text) writeFileSync(out, text);
