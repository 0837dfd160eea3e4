import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseCoding } from './encoded-body.js';
import { testApp, type TestApp } from '../test/support/helpers.js';

describe('Accept-Encoding negotiation', () => {
  it('prefers br, then gzip, honours q-values, * and q=0', () => {
    expect(chooseCoding(undefined)).toBe('identity');
    expect(chooseCoding('')).toBe('identity');
    expect(chooseCoding('gzip, deflate')).toBe('gzip');
    expect(chooseCoding('gzip, deflate, br')).toBe('br');
    expect(chooseCoding('br;q=0.5, gzip')).toBe('gzip');
    expect(chooseCoding('br;q=0, gzip;q=0')).toBe('identity');
    expect(chooseCoding('*')).toBe('br');
    expect(chooseCoding('*;q=0.1, br;q=0')).toBe('gzip');
    expect(chooseCoding('deflate, identity')).toBe('identity');
    expect(chooseCoding('GZIP ; Q=1')).toBe('gzip');
  });
});

describe('GET /v1/probes content codings', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.runner.close();
    t?.store.close();
    t = undefined;
  });

  it('serves the same catalogue as identity, gzip and br, with Vary and the encoded length', async () => {
    t = testApp();
    const plain = await t.app.request('/v1/probes');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Accept-Encoding');
    expect(plain.headers.get('content-length')).toBe(String(Buffer.byteLength(await plain.clone().text())));
    const text = await plain.text();
    expect(JSON.parse(text).probes.length).toBeGreaterThan(0);
    for (const [coding, decode] of [
      ['gzip', gunzipSync],
      ['br', brotliDecompressSync],
    ] as const) {
      const res = await t.app.request('/v1/probes', { headers: { 'accept-encoding': coding } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBe(coding);
      expect(res.headers.get('vary')).toBe('Accept-Encoding');
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.headers.get('content-length')).toBe(String(body.byteLength));
      expect(decode(body).toString('utf8')).toBe(text);
    }
  });
});
