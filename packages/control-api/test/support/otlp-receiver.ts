/**
 * A real OTLP/HTTP receiver on 127.0.0.1. It accepts POST /v1/metrics and /v1/logs as
 * application/x-protobuf and decodes them with the official opentelemetry-proto schema (the .proto
 * files as the OpenTelemetry project published them, shipped in @opentelemetry/otlp-grpc-exporter-base
 * 0.38.0, loaded with protobufjs). It can also play a collector that never answers or fails.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const PROTOS = join(dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')), 'build', 'protos');

let root: protobuf.Root | undefined;

/** the official schema, loaded once */
export function otlpSchema(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => join(PROTOS, target);
  r.loadSync([
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  ]);
  root = r;
  return r;
}

type Any = any; // decoded protobuf messages as plain objects

export interface Received {
  path: string;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  /** ExportMetricsServiceRequest or ExportLogsServiceRequest as a plain object (int64 as numbers) */
  body: Any;
}

export type ReceiverMode = 'ok' | 'hang' | { status: number };

export interface Receiver {
  url: string;
  received: Received[];
  /** requests that arrived, whatever was answered (for attempts) */
  hits: string[];
  mode: ReceiverMode;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '/v1/metrics': 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  '/v1/logs': 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
};

export function decodeOtlp(path: string, bytes: Uint8Array): Any {
  const type = otlpSchema().lookupType(TYPES[path]!);
  return type.toObject(type.decode(bytes), { longs: Number, enums: String, bytes: String, defaults: false, arrays: true });
}

export async function startReceiver(mode: ReceiverMode = 'ok'): Promise<Receiver> {
  otlpSchema();
  const received: Received[] = [];
  const hits: string[] = [];
  const hung = new Set<http.ServerResponse>();
  const state = { mode };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      hits.push(path);
      if (state.mode === 'hang') {
        hung.add(res);
        return;
      }
      if (typeof state.mode === 'object') {
        res.writeHead(state.mode.status).end();
        return;
      }
      const type = req.headers['content-type'] ?? '';
      if (req.method !== 'POST' || !TYPES[path] || type !== 'application/x-protobuf') {
        res.writeHead(req.method !== 'POST' ? 405 : !TYPES[path] ? 404 : 415).end();
        return;
      }
      const buf = Buffer.concat(chunks);
      try {
        received.push({ path, contentType: type, headers: req.headers, bytes: buf.length, body: decodeOtlp(path, buf) });
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`undecodable: ${(err as Error).message}`);
        return;
      }
      // an empty Export*ServiceResponse: full success
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    hits,
    get mode() {
      return state.mode;
    },
    set mode(m: ReceiverMode) {
      state.mode = m;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An AnyValue as its JS value; a KeyValue list as an object. */
export function anyValue(v: Any): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in v) return attrs(v.kvlistValue.values);
  return undefined;
}

export function attrs(kvs: Any[] | undefined): Record<string, unknown> {
  return Object.fromEntries((kvs ?? []).map((kv: Any) => [kv.key, anyValue(kv.value)]));
}

/** every metric of every metrics request, with its resource's attributes */
export function metricsOf(rs: Received[]): Array<{ resource: Record<string, unknown>; scope: Any; metric: Any }> {
  return rs
    .filter((r) => r.path === '/v1/metrics')
    .flatMap((r) =>
      (r.body.resourceMetrics ?? []).flatMap((rm: Any) =>
        (rm.scopeMetrics ?? []).flatMap((sm: Any) => (sm.metrics ?? []).map((metric: Any) => ({ resource: attrs(rm.resource?.attributes), scope: sm.scope, metric }))),
      ),
    );
}

/** every log record of every logs request, with its resource's attributes */
export function logsOf(rs: Received[]): Array<{ resource: Record<string, unknown>; scope: Any; record: Any }> {
  return rs
    .filter((r) => r.path === '/v1/logs')
    .flatMap((r) =>
      (r.body.resourceLogs ?? []).flatMap((rl: Any) =>
        (rl.scopeLogs ?? []).flatMap((sl: Any) => (sl.logRecords ?? []).map((record: Any) => ({ resource: attrs(rl.resource?.attributes), scope: sl.scope, record }))),
      ),
    );
}
