/** Encode a `const volatile` value into the exact bytes of its BTF-declared size. */
import { BadParamsError, type GlobalValue } from '@sonde/probe-sdk';

export function encodeGlobal(name: string, value: GlobalValue, size: number): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length > size) {
      throw new BadParamsError(`global ${name} holds ${size} bytes, got ${value.length}`);
    }
    const out = new Uint8Array(size);
    out.set(value);
    return out;
  }
  const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
  if (![1, 2, 4, 8].includes(size)) throw new BadParamsError(`global ${name} is ${size} bytes; pass a byte array`);
  const bits = BigInt(size * 8);
  const min = -(1n << (bits - 1n));
  const max = (1n << bits) - 1n;
  if (n < min || n > max) throw new BadParamsError(`value ${n} does not fit global ${name} (${size} bytes)`);
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt.asUintN(64, n) & max, 0);
  return new Uint8Array(out.buffer, out.byteOffset, size);
}
