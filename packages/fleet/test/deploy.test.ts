/**
 * The Helm chart, rendered (deploy/helm/render.mjs: no helm binary on Debian) and checked against the
 * Kubernetes schemas and typed models (manifests.ts); plus what the chart promises: least privilege
 * on the agents, the coordinator's narrow RBAC, discovery wired to the headless Service.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS module without types
import { renderChart } from '../../../deploy/helm/render.mjs';
import { checkManifests, type Manifest } from './manifests.js';

const render = (values: Record<string, unknown> = {}): Manifest[] =>
  (renderChart({ values, release: 'sonde', namespace: 'observability' }) as { docs: Array<{ obj: Manifest }> }).docs.map((d) => d.obj);

const secrets = { auth: { agentTokens: 'fleet:operator:0123456789abcdef0123', coordinatorTokens: 'ops:operator:fedcba98765432100123', fleetToken: '0123456789abcdef0123' } };
const find = (docs: Manifest[], kind: string, name?: string) => docs.find((d) => d.kind === kind && (!name || d.metadata?.name === name)) as any;

describe('helm chart', () => {
  const docs = render(secrets);

  it('renders every object, all valid against the Kubernetes schemas', () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata?.name}`).sort()).toEqual([
      'ClusterRole/sonde-agent-pods',
      'ClusterRole/sonde-coordinator-pods',
      'ClusterRoleBinding/sonde-agent-pods',
      'ClusterRoleBinding/sonde-coordinator-pods',
      'DaemonSet/sonde-agent',
      'Deployment/sonde-coordinator',
      'Role/sonde-coordinator',
      'RoleBinding/sonde-coordinator',
      'Secret/sonde-tokens',
      'Service/sonde-agents',
      'Service/sonde-coordinator',
      'ServiceAccount/sonde-agent',
      'ServiceAccount/sonde-coordinator',
    ]);
    expect(checkManifests(docs)).toEqual([]);
  }, 60_000);

  it('fails on a wrong field, a wrong type and a missing required field', () => {
    const bad = structuredClone(docs);
    const ds = find(bad, 'DaemonSet');
    ds.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true; // typo
    const dep = find(bad, 'Deployment');
    dep.spec.template.spec.hostNetwork = 'yes'; // wrong type
    const svc = find(bad, 'Service', 'sonde-agents');
    delete svc.spec.ports[0].port; // required
    const problems = checkManifests(bad);
    expect(problems.find((p) => p.startsWith('DaemonSet/sonde-agent') && p.includes('readOnlyRootFileSystem') && p.includes('does not exist'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('Deployment/sonde-coordinator') && /hostNetwork/.test(p))).toBeDefined();
    expect(problems.find((p) => p.startsWith('Service/sonde-agents') && /port/.test(p))).toBeDefined();
  }, 60_000);

  it('agents: host network and pids, read-only root, CAP_BPF+CAP_PERFMON only, kernel mounts read-only', () => {
    const ds = find(docs, 'DaemonSet');
    const pod = ds.spec.template.spec;
    expect(pod).toMatchObject({ hostNetwork: true, hostPID: true, automountServiceAccountToken: true, serviceAccountName: 'sonde-agent' });
    const c = pod.containers[0];
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false });
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['BPF', 'PERFMON'] });
    expect(c.volumeMounts.filter((m: any) => m.mountPath.startsWith('/sys/') || m.mountPath.startsWith('/host/'))).toEqual([
      { name: 'btf', mountPath: '/sys/kernel/btf', readOnly: true },
      { name: 'tracefs', mountPath: '/sys/kernel/tracing', readOnly: true },
      { name: 'cgroup', mountPath: '/host/sys/fs/cgroup', readOnly: true },
    ]);
    expect(pod.volumes.find((v: any) => v.name === 'cgroup')).toEqual({ name: 'cgroup', hostPath: { path: '/sys/fs/cgroup', type: 'Directory' } });
    expect(c.env.find((e: any) => e.name === 'SONDE_CGROUP_ROOT').value).toBe('/host/sys/fs/cgroup');
    expect(pod.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', hostPath: { path: '/var/lib/sonde', type: 'DirectoryOrCreate' } });
    expect(c.env.find((e: any) => e.name === 'SONDE_TOKENS').valueFrom.secretKeyRef).toEqual({ name: 'sonde-tokens', key: 'agent-tokens' });
    expect(c.env.find((e: any) => e.name === 'SONDE_HOST').valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    expect(c.image).toBe('ghcr.io/sonde-dev/sonde:0.1.0');
  });

  it('agents name the pods of their own node: NODE_NAME from the downward API, get/list/watch on pods only', () => {
    const c = find(docs, 'DaemonSet').spec.template.spec.containers[0];
    expect(c.env.find((e: any) => e.name === 'NODE_NAME').valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(find(docs, 'ServiceAccount', 'sonde-agent').automountServiceAccountToken).toBe(true);
    expect(find(docs, 'ClusterRole', 'sonde-agent-pods').rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const b = find(docs, 'ClusterRoleBinding', 'sonde-agent-pods');
    expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'sonde-agent-pods' });
    expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'sonde-agent', namespace: 'observability' }]);
    // owners without the API: no token, no role, no cgroup mount when that is off too
    const off = render({ ...secrets, agent: { owners: { kubernetes: false }, mounts: { cgroup: false } } });
    expect(off.map((d) => `${d.kind}/${d.metadata?.name}`)).not.toContain('ClusterRole/sonde-agent-pods');
    expect(off.map((d) => `${d.kind}/${d.metadata?.name}`)).not.toContain('ClusterRoleBinding/sonde-agent-pods');
    expect(find(off, 'ServiceAccount', 'sonde-agent').automountServiceAccountToken).toBe(false);
    const pod = find(off, 'DaemonSet').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes.map((v: any) => v.name)).not.toContain('cgroup');
    expect(pod.containers[0].env.map((e: any) => e.name)).not.toContain('SONDE_CGROUP_ROOT');
    expect(checkManifests(off)).toEqual([]);
  }, 60_000);

  it('coordinator: EndpointSlices of the headless Service, get/list/watch only', () => {
    const svc = find(docs, 'Service', 'sonde-agents');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports[0]).toMatchObject({ name: 'http', port: 7070 });
    const role = find(docs, 'Role');
    expect(role.rules).toEqual([{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }]);
    expect(find(docs, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'sonde-coordinator', namespace: 'observability' }]);
    const c = find(docs, 'Deployment').spec.template.spec.containers[0];
    expect(c.args).toEqual(['serve', '--fleet']);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.SONDE_FLEET_SERVICE).toBe('sonde-agents');
    expect(env.SONDE_FLEET_NAMESPACE).toBe('observability');
    expect(env.SONDE_FLEET_TOKEN).toEqual({ secretKeyRef: { name: 'sonde-tokens', key: 'fleet-token' } });
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  it('coordinator pods: get/list/watch on pods and services cluster-wide (placement, remote names), off with coordinator.pods false', () => {
    expect(find(docs, 'ClusterRole', 'sonde-coordinator-pods').rules).toEqual([{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }]);
    expect(find(docs, 'ClusterRoleBinding', 'sonde-coordinator-pods').subjects).toEqual([{ kind: 'ServiceAccount', name: 'sonde-coordinator', namespace: 'observability' }]);
    const envOf = (d: Manifest[]) => Object.fromEntries(find(d, 'Deployment').spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(envOf(docs).SONDE_FLEET_PODS).toBe('on');
    const off = render({ ...secrets, coordinator: { pods: false } });
    expect(find(off, 'ClusterRole', 'sonde-coordinator-pods')).toBeUndefined();
    expect(envOf(off).SONDE_FLEET_PODS).toBe('off');
    expect(checkManifests(off)).toEqual([]);
  }, 60_000);

  it('values: emptyDir data, an existing Secret, extra capabilities, no coordinator — still valid', () => {
    const alt = render({
      image: { repository: 'registry.local/sonde', tag: 'dev' },
      auth: { existingSecret: 'my-tokens' },
      agent: { dataDir: { hostPath: '' }, extraCapabilities: ['SYS_RESOURCE'], mounts: { tracefs: false }, nodeSelector: { 'kubernetes.io/os': 'linux' } },
      coordinator: { enabled: false },
    });
    expect(alt.map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'Service', 'ServiceAccount']);
    const pod = find(alt, 'DaemonSet').spec.template.spec;
    expect(pod.volumes.find((v: any) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
    expect(pod.volumes.map((v: any) => v.name)).not.toContain('tracefs');
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.containers[0].securityContext.capabilities.add).toEqual(['BPF', 'PERFMON', 'SYS_RESOURCE']);
    expect(pod.containers[0].image).toBe('registry.local/sonde:dev');
    expect(pod.containers[0].env.find((e: any) => e.name === 'SONDE_TOKENS').valueFrom.secretKeyRef.name).toBe('my-tokens');
    expect(checkManifests(alt)).toEqual([]);
  }, 60_000);

  it('the renderer refuses template constructs it does not implement', () => {
    expect(() => renderChart({ chartDir: new URL('./fixtures/bad-chart/', import.meta.url).pathname })).toThrow(/unsupported/);
  });
});

describe('Containerfile', () => {
  const text = readFileSync(new URL('../../../deploy/Containerfile', import.meta.url), 'utf8');
  it('builds on Debian bookworm with Node 24 LTS in two stages; the runtime has only the runtime libs', () => {
    const stages = text.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/^docker\.io\/library\/node:24-bookworm AS build/);
    expect(stages[0]).toMatch(/clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool/);
    expect(stages[1]).toMatch(/^docker\.io\/library\/node:24-bookworm-slim/);
    expect(stages[1]).toMatch(/libbpf1 libelf1 zlib1g/);
    expect(stages[1]).not.toMatch(/clang|libbpf-dev/);
    expect(stages[1]).toMatch(/ENTRYPOINT \["node", "\/app\/packages\/cli\/dist\/main.js"\]/);
  });
});
