/** In-cluster discovery against a fake API server over TLS: the CA, the token file, the URL from the environment. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointSliceDiscovery, inClusterOptions } from './endpointslices.js';

describe('EndpointSlice discovery over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-k8s-'));
  let server: https.Server;
  let port = 0;
  const seen: string[] = [];
  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'ca.crt')], { stdio: 'ignore' });
    writeFileSync(join(dir, 'token'), 'sa-token-1\n');
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.crt')) }, (req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      if (req.headers.authorization !== 'Bearer sa-token-1') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","message":"Unauthorized"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ items: [{ ports: [{ name: 'http', port: 7070 }], endpoints: [{ addresses: ['10.0.0.9'], nodeName: 'w9', conditions: { ready: true } }] }] }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}) => ({
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(port),
    SONDE_FLEET_K8S_CA: join(dir, 'ca.crt'),
    SONDE_FLEET_K8S_TOKEN_FILE: join(dir, 'token'),
    SONDE_FLEET_NAMESPACE: 'obs',
    ...extra,
  });

  it('reads the slices with the service-account token, trusting only the given CA', async () => {
    const d = endpointSliceDiscovery(inClusterOptions(env(), 'sonde-agents'));
    expect(await d.agents()).toEqual([{ node: 'w9', url: 'http://10.0.0.9:7070', labels: { 'kubernetes.io/hostname': 'w9' } }]);
    expect(seen.at(-1)).toBe('/apis/discovery.k8s.io/v1/namespaces/obs/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dsonde-agents Bearer sa-token-1');
  });

  it('fails clearly: unknown CA, rejected token, no API address', async () => {
    const noCa = endpointSliceDiscovery({ ...inClusterOptions(env(), 'sonde-agents'), ca: undefined });
    await expect(noCa.agents()).rejects.toThrow(/self-signed|self signed/);
    writeFileSync(join(dir, 'token2'), 'wrong');
    const badToken = endpointSliceDiscovery(inClusterOptions(env({ SONDE_FLEET_K8S_TOKEN_FILE: join(dir, 'token2') }), 'sonde-agents'));
    await expect(badToken.agents()).rejects.toThrow('Kubernetes API 401 for /apis/discovery.k8s.io/v1/namespaces/obs/endpointslices: Unauthorized');
    expect(() => inClusterOptions({}, 'x')).toThrow(/KUBERNETES_SERVICE_HOST/);
  });
});
