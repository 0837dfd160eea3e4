/**
 * Struct layouts from BTF, turned into decoders and encoders once per thread.
 *
 * Each probe's `src/layout.gen.ts` is generated from its own `.bpf.o` (bpf/gen-layout.mjs reads the
 * object's BTF at build): for every struct the user side reads — ring-buffer records (tagged
 * `SONDE_RECORD` in C), map keys and values, iterator output — a type and a `layout(...)` call with the
 * struct's size and each field's offset and kind. Nothing is mirrored by hand: when the C struct
 * changes, the build regenerates the layout and a drift test fails on a stale one.
 *
 * `layout()` compiles the field list into a straight-line decoder (`new Function`: as fast as a
 * hand-written one) and an encoder for byte fixtures in tests. Kinds:
 *   u8 s8 u16 s16 u32 s32      number
 *   u64 s64                    number (exact below 2^53: counters, sizes, durations)
 *   x64                        bigint: a `sonde_*` 64-bit typedef in C (kernel addresses, ids, timestamps)
 *   bool                       boolean
 *   char                       string (a char array, up to its first NUL)
 *   bytes                      Buffer (a __u8 array or a union: a view, not a copy)
 *   a Layout                   a nested struct
 * Arrays of numbers (`count` > 1) decode to number[] (bigint[] for x64).
 */
import type { MapDump } from './kernel.js';

export type ScalarKind = 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 's64' | 'x64' | 'bool' | 'char' | 'bytes';

/** [name, byte offset, kind, element count (arrays; 1 or absent otherwise)] */
export type FieldSpec = readonly [name: string, offset: number, kind: ScalarKind | Layout<unknown>, count?: number];

export interface Layout<T> {
  /** the C struct's name */
  readonly name: string;
  /** sizeof(struct) */
  readonly size: number;
  readonly fields: readonly FieldSpec[];
  /** the struct at `off` of `b`; throws RangeError when `b` is too short */
  decode(b: Buffer, off?: number): T;
  /** a zeroed struct with the given fields set (test fixtures, map keys) */
  encode(v: LayoutInput<T>): Buffer;
  /** write the given fields of `v` at `off` of `b` (others untouched) */
  encodeInto(b: Buffer, off: number, v: LayoutInput<T>): void;
}

/**
 * what encode() takes: any subset of the fields, nested structs likewise, numbers where bigints go and
 * bigints where numbers go (a u64 beyond 2^53, such as ~0, is written exactly from a bigint)
 */
export type LayoutInput<T> = {
  [K in keyof T]?: T[K] extends bigint | number
    ? bigint | number
    : T[K] extends Buffer
      ? Uint8Array | number[]
      : T[K] extends Array<infer E>
        ? Array<E extends bigint | number ? bigint | number : E | number>
        : T[K] extends object
          ? LayoutInput<T[K]>
          : T[K];
};

const WIDTH: Record<ScalarKind, number> = { u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, s64: 8, x64: 8, bool: 1, char: 1, bytes: 1 };

const READ: Record<Exclude<ScalarKind, 'char' | 'bytes'>, (at: string) => string> = {
  u8: (at) => `b[${at}]`,
  s8: (at) => `b.readInt8(${at})`,
  u16: (at) => `b.readUInt16LE(${at})`,
  s16: (at) => `b.readInt16LE(${at})`,
  u32: (at) => `b.readUInt32LE(${at})`,
  s32: (at) => `b.readInt32LE(${at})`,
  // two 32-bit reads beat readBigUInt64LE + Number() several times over
  u64: (at) => `(b.readUInt32LE(${at}) + b.readUInt32LE(${at} + 4) * 4294967296)`,
  s64: (at) => `(b.readUInt32LE(${at}) + b.readInt32LE(${at} + 4) * 4294967296)`,
  x64: (at) => `b.readBigUInt64LE(${at})`,
  bool: (at) => `(b[${at}] !== 0)`,
};

function cstr(b: Buffer, start: number, end: number): string {
  const nul = b.indexOf(0, start);
  return b.toString('utf8', start, nul < 0 || nul > end ? end : nul);
}

function isLayout(k: FieldSpec[2]): k is Layout<unknown> {
  return typeof k === 'object';
}

/** the JS expression that decodes one field at byte `o + off` (nested layouts are passed in as n0, n1, …) */
function readExpr(f: FieldSpec, nested: Array<Layout<unknown>>): string {
  const [, off, kind, count = 1] = f;
  const at = (i: number) => `o + ${off + i * (isLayout(kind) ? kind.size : WIDTH[kind])}`;
  if (isLayout(kind)) {
    const n = `n${nested.push(kind) - 1}`;
    return count === 1 ? `${n}.decode(b, ${at(0)})` : `[${Array.from({ length: count }, (_, i) => `${n}.decode(b, ${at(i)})`).join(', ')}]`;
  }
  if (kind === 'char') return `cstr(b, ${at(0)}, ${at(count)})`;
  if (kind === 'bytes') return `b.subarray(${at(0)}, ${at(count)})`;
  if (count === 1) return READ[kind](at(0));
  return `[${Array.from({ length: count }, (_, i) => READ[kind](at(i))).join(', ')}]`;
}

function compileDecoder<T>(name: string, size: number, fields: readonly FieldSpec[]): (b: Buffer, off?: number) => T {
  const nested: Array<Layout<unknown>> = [];
  const body = fields.map((f) => `${JSON.stringify(f[0])}: ${readExpr(f, nested)}`).join(',\n    ');
  const src = `return function decode_${name}(b, o = 0) {
  if (b.length < o + ${size}) throw new RangeError(${JSON.stringify(`struct ${name} is ${size} bytes`)} + ', got ' + (b.length - o));
  return {
    ${body}
  };
};`;
  return new Function('cstr', ...nested.map((_, i) => `n${i}`), src)(cstr, ...nested) as (b: Buffer, off?: number) => T;
}

function writeScalar(b: Buffer, at: number, kind: ScalarKind, v: unknown): void {
  switch (kind) {
    case 'u8':
    case 'bool':
      b.writeUInt8(typeof v === 'boolean' ? Number(v) : Number(v) & 0xff, at);
      return;
    case 's8':
      b.writeInt8(Number(v), at);
      return;
    case 'u16':
      b.writeUInt16LE(Number(v), at);
      return;
    case 's16':
      b.writeInt16LE(Number(v), at);
      return;
    case 'u32':
      b.writeUInt32LE(Number(v) >>> 0, at);
      return;
    case 's32':
      b.writeInt32LE(Number(v), at);
      return;
    case 's64':
      b.writeBigInt64LE(BigInt(v as number | bigint), at);
      return;
    default:
      b.writeBigUInt64LE(BigInt(v as number | bigint), at);
  }
}

function encodeField(b: Buffer, base: number, f: FieldSpec, v: unknown): void {
  const [name, off, kind, count = 1] = f;
  const at = base + off;
  if (isLayout(kind)) {
    if (count === 1) kind.encodeInto(b, at, v as never);
    else (v as unknown[]).forEach((x, i) => i < count && kind.encodeInto(b, at + i * kind.size, x as never));
    return;
  }
  if (kind === 'char') {
    const s = Buffer.from(String(v), 'utf8');
    if (s.length > count) throw new RangeError(`${name}: ${s.length} bytes do not fit char[${count}]`);
    b.fill(0, at, at + count);
    s.copy(b, at);
    return;
  }
  if (kind === 'bytes') {
    const s = Buffer.from(v as Uint8Array);
    if (s.length > count) throw new RangeError(`${name}: ${s.length} bytes do not fit [${count}]`);
    b.fill(0, at, at + count);
    s.copy(b, at);
    return;
  }
  if (count === 1) writeScalar(b, at, kind, v);
  else (v as unknown[]).forEach((x, i) => i < count && writeScalar(b, at + i * WIDTH[kind], kind, x));
}

/** A struct layout (from a generated layout.gen.ts): its decoder is compiled here, once. */
export function layout<T>(name: string, size: number, fields: readonly FieldSpec[]): Layout<T> {
  const decode = compileDecoder<T>(name, size, fields);
  const byName = new Map(fields.map((f) => [f[0], f]));
  const encodeInto = (b: Buffer, off: number, v: LayoutInput<T>): void => {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      const f = byName.get(k);
      if (!f) throw new RangeError(`struct ${name} has no field ${k}`);
      encodeField(b, off, f, x);
    }
  };
  return {
    name,
    size,
    fields,
    decode,
    encodeInto,
    encode: (v) => {
      const b = Buffer.alloc(size);
      encodeInto(b, 0, v);
      return b;
    },
  };
}

/** an array of records laid out back to back (map dumps, test fixtures) */
export function encodeAll<T>(l: Layout<T>, vs: ReadonlyArray<LayoutInput<T>>): Buffer {
  const b = Buffer.alloc(l.size * vs.length);
  vs.forEach((v, i) => l.encodeInto(b, i * l.size, v));
  return b;
}

/** a map's key or value as layout.gen.ts's `maps` names it: a generated layout, or a scalar kind ('u32', 'u64', …) */
export type Side<T> = Layout<T> | ScalarKind;
type SideInput<T> = T extends never ? never : LayoutInput<T> | number | bigint;

/** the byte size of a map's key or value (`maps.<name>.key`): a layout's size, a scalar kind's width */
export function sideSize(s: Side<unknown>): number {
  return typeof s === 'string' ? WIDTH[s] : s.size;
}

type NumberKind = Exclude<ScalarKind, 'x64' | 'bool' | 'char' | 'bytes'>;
const SCALAR = Object.fromEntries(
  Object.entries(READ).map(([k, r]) => [k, new Function('b', 'o', `return ${r('o')};`) as (b: Buffer, o: number) => number | bigint | boolean]),
) as Record<Exclude<ScalarKind, 'char' | 'bytes'>, (b: Buffer, o: number) => number | bigint | boolean>;

/**
 * A value that is no struct, decoded as a layout's field of that kind would be: a map key or value the
 * generated `maps` names by a scalar kind (`maps.reasons.value`: 'u64'), a .bss counter read with readGlobal.
 */
export function decodeScalar(kind: 'x64', b: Buffer, off?: number): bigint;
export function decodeScalar(kind: 'bool', b: Buffer, off?: number): boolean;
export function decodeScalar(kind: NumberKind, b: Buffer, off?: number): number;
export function decodeScalar(kind: Exclude<ScalarKind, 'char' | 'bytes'>, b: Buffer, off = 0): number | bigint | boolean {
  if (b.length < off + WIDTH[kind]) throw new RangeError(`a ${kind} is ${WIDTH[kind]} bytes, got ${b.length - off}`);
  return SCALAR[kind](b, off);
}

function encodeSide<T>(s: Side<T>, b: Buffer, at: number, v: SideInput<T>): void {
  if (typeof s === 'string') writeScalar(b, at, s, v);
  else s.encodeInto(b, at, v as LayoutInput<T>);
}

/**
 * A map dump as the loader hands it over (keys and values back to back), from rows given by field names:
 * the byte fixtures of decoder tests. A side is a generated layout, or a scalar kind for a plain key.
 */
export function mapDumpOf<K, V>(key: Side<K>, value: Side<V>, rows: ReadonlyArray<readonly [SideInput<K>, SideInput<V>]>): MapDump {
  const ks = sideSize(key);
  const vs = sideSize(value);
  const keys = Buffer.alloc(ks * rows.length);
  const values = Buffer.alloc(vs * rows.length);
  rows.forEach(([k, v], i) => {
    encodeSide(key, keys, i * ks, k);
    encodeSide(value, values, i * vs, v);
  });
  return { keys, values, count: rows.length, keySize: ks, valueSize: vs };
}
