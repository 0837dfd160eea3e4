/**
 * Kubernetes schema checks for rendered manifests, in two layers:
 *  1. kubernetes-models' validate(): the API's JSON schemas (types, required fields, formats, enums);
 *  2. the same package's typed models through the TypeScript compiler: every document becomes an
 *     object literal typed as its model (IDaemonSet, ...), so excess-property checks reject any field
 *     the API does not have (`readOnlyRootFileSystem`, a misplaced `hostPID`), which the JSON schemas
 *     alone let through.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ts from 'typescript';

const MODELS: Record<string, { module: string; type: string }> = {
  'apps/v1 DaemonSet': { module: 'kubernetes-models/apps/v1/DaemonSet', type: 'IDaemonSet' },
  'apps/v1 Deployment': { module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'v1 Service': { module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1 ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  'v1 Secret': { module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'rbac.authorization.k8s.io/v1 Role': { module: 'kubernetes-models/rbac.authorization.k8s.io/v1/Role', type: 'IRole' },
  'rbac.authorization.k8s.io/v1 RoleBinding': { module: 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding', type: 'IRoleBinding' },
  'rbac.authorization.k8s.io/v1 ClusterRole': { module: 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole', type: 'IClusterRole' },
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': { module: 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding', type: 'IClusterRoleBinding' },
};

const require = createRequire(import.meta.url);

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  [k: string]: unknown;
}

const label = (m: Manifest) => `${m.kind}/${m.metadata?.name ?? '?'}`;

/** Every problem with the manifests (empty: all valid). */
export function checkManifests(docs: Manifest[]): string[] {
  const problems: string[] = [];
  const lines: string[] = [];
  docs.forEach((m, i) => {
    const model = MODELS[`${m.apiVersion} ${m.kind}`];
    if (!model) {
      problems.push(`${label(m)}: no schema for ${m.apiVersion} ${m.kind}`);
      return;
    }
    const mod = require(model.module) as Record<string, new (d: unknown) => { validate(): void }>;
    const Cls = mod[model.type.slice(1)]!;
    try {
      new Cls(m).validate();
    } catch (err) {
      problems.push(`${label(m)}: ${(err as Error).message.split('\n').slice(0, 4).join(' ')}`);
    }
    lines.push(`import type { ${model.type} as T${i} } from '${model.module}';`);
    lines.push(`export const doc${i}: T${i} = ${JSON.stringify(m)};`);
  });
  const file = new URL(`./.manifest-check-${process.pid}.ts`, import.meta.url).pathname;
  writeFileSync(file, lines.join('\n') + '\n');
  try {
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      types: [],
    });
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
      const m = /^export const doc(\d+)/.exec(lines[line] ?? '');
      problems.push(`${m ? label(docs[Number(m[1])]!) : 'manifests'}: ${text}`);
    }
  } finally {
    rmSync(file, { force: true });
  }
  return problems;
}
