import { randomBytes } from 'node:crypto';

/**
 * Job ids: `j_` + a 26-character ULID (Crockford base32: 48-bit epoch-ms time, then 80 random bits).
 * They sort lexicographically in creation order, which is what lets the job list page by id
 * alone. Within one millisecond the random part is incremented, so ids from one process are
 * strictly increasing even when the clock stands still or steps back.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const JOB_ID_RE = /^j_[0-9A-HJKMNP-TV-Z]{26}$/;

let lastTime = -1;
let lastRandom: Uint8Array = new Uint8Array(10);

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits → 16 base32 characters, most significant first
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}

function increment(bytes: Uint8Array): Uint8Array {
  const next = Uint8Array.from(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    const v = (next[i] ?? 0) + 1;
    next[i] = v & 0xff;
    if (v <= 0xff) return next;
  }
  return next; // 2^80 ids in one ms: wraps, never in practice
}

export function newJobId(now = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = Uint8Array.from(randomBytes(10));
    lastRandom[0] = (lastRandom[0] ?? 0) & 0x7f; // headroom so increments do not wrap
  }
  return `j_${encodeTime(lastTime)}${encodeRandom(lastRandom)}`;
}

/** epoch ms encoded in a job id */
export function jobIdTime(id: string): number {
  let t = 0;
  for (const ch of id.slice(2, 12)) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
