/**
 * A fixed JSON body kept encoded once per content coding — identity, gzip, br — and served with the
 * one the request's Accept-Encoding prefers (RFC 9110 §12.5.3: q-values, `*`, `q=0` refuses). For
 * bodies that never change once built (the probe catalogue): no per-request encoding or measuring.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

type Coding = 'br' | 'gzip' | 'identity';

interface Encoded {
  body: Buffer;
  length: string;
}

/** the coding to send for `accept` (the Accept-Encoding value): the heavier of br and gzip (br when equal), identity when neither is acceptable */
export function chooseCoding(accept: string | undefined): Coding {
  if (!accept) return 'identity';
  const q = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [coding, ...params] = part.toLowerCase().split(';');
    const name = coding!.trim();
    if (!name) continue;
    const weight = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    q.set(name, weight ? Number(weight[1]) : 1);
  }
  const weight = (c: string): number => q.get(c) ?? q.get('*') ?? 0;
  let best: Coding = 'identity';
  for (const c of ['br', 'gzip'] as const) {
    if (weight(c) > 0 && (best === 'identity' || weight(c) > weight(best))) best = c;
  }
  return best;
}

export class EncodedBody {
  private readonly codings: Record<Coding, Encoded>;

  constructor(json: string) {
    const identity = Buffer.from(json, 'utf8');
    const make = (body: Buffer): Encoded => ({ body, length: String(body.byteLength) });
    this.codings = {
      identity: make(identity),
      gzip: make(gzipSync(identity, { level: 9 })),
      br: make(brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: identity.byteLength } })),
    };
  }

  /** the 200 answer for a request that sent `accept` as its Accept-Encoding */
  response(accept: string | undefined): Response {
    const coding = chooseCoding(accept);
    const { body, length } = this.codings[coding];
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': length, Vary: 'Accept-Encoding' };
    if (coding !== 'identity') headers['Content-Encoding'] = coding;
    return new Response(body, { status: 200, headers });
  }
}
