/**
 * What a cgroup v2 path says about its owner: the container runtime and container id, the
 * Kubernetes pod UID and QoS class, or the systemd unit. Only the names are read, the way kubelet,
 * containerd, CRI-O, Docker, podman and systemd write them (README.md in this folder has the table):
 *
 *   systemd driver  /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid, _ for ->.slice/cri-containerd-<id>.scope
 *                   (crio-<id>.scope, docker-<id>.scope; guaranteed pods sit in kubepods-pod<uid>.slice)
 *   cgroupfs driver /kubepods/burstable/pod<uid>/<id>          (crio-<id> for CRI-O)
 *   Docker          /system.slice/docker-<id>.scope            /docker/<id>
 *   podman          /machine.slice/libpod-<id>.scope           rootless: .../user@1000.service/user.slice/libpod-<id>.scope
 *   nerdctl         /system.slice/nerdctl-<id>.scope           /<containerd namespace>/<id>
 *   LXC             /lxc.payload.<name>                        /lxc/<name>
 *   systemd         /system.slice/nginx.service                /user.slice/user-1000.slice/session-3.scope
 *
 * Components are read outer to inner and the innermost container wins, so a kind node (a Docker
 * container running kubelet) names the pod's container, not the node's.
 */

export type OwnerRuntime =
  /** cri-containerd-<id>.scope, nerdctl-<id>.scope */
  | 'containerd'
  /** crio-<id>.scope, crio-conmon-<id>.scope, crio-<id> */
  | 'cri-o'
  /** docker-<id>.scope, docker/<id> */
  | 'docker'
  /** libpod-<id>.scope, libpod-conmon-<id>.scope */
  | 'podman'
  /** lxc.payload.<name>, lxc/<name> */
  | 'lxc'
  /** a bare 64-hex container id whose runtime the name does not say (kubelet's cgroupfs driver: containerd, Docker) */
  | 'container'
  /** a pod's or QoS class's own cgroup, above its containers */
  | 'kubelet'
  /** a systemd unit or slice that is no container */
  | 'systemd'
  /** the root cgroup or a path with no known naming */
  | 'none';

export type PodQos = 'guaranteed' | 'burstable' | 'besteffort';

export interface CgroupNaming {
  runtime: OwnerRuntime;
  /** full container id (64 hex; for LXC the container name) */
  containerId?: string;
  /** the pod's UID, with dashes (kubelet's systemd driver writes them as _) */
  podUid?: string;
  qos?: PodQos;
  /** the innermost systemd unit (nginx.service, session-3.scope) when the path is no container */
  unit?: string;
}

const HEX64 = '([0-9a-f]{64})';
const UID = '([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})';

/** container scopes and directories: [pattern, runtime] */
const CONTAINER_NAMES: Array<[RegExp, OwnerRuntime]> = [
  [new RegExp(`^cri-containerd-${HEX64}\\.scope$`), 'containerd'],
  [new RegExp(`^crio-(?:conmon-)?${HEX64}(?:\\.scope)?$`), 'cri-o'],
  [new RegExp(`^docker-${HEX64}\\.scope$`), 'docker'],
  [new RegExp(`^libpod-(?:conmon-)?${HEX64}(?:\\.scope)?$`), 'podman'],
  [new RegExp(`^nerdctl-${HEX64}\\.scope$`), 'containerd'],
];
// kubelet's --cgroup-root prefixes every slice name: kind's /kubelet gives kubelet-kubepods-pod<uid>.slice
const SYSTEMD_KUBEPODS = /^(?:[^/]+-)?kubepods\.slice$/;
const SYSTEMD_POD = new RegExp(`^(?:[^/]+-)?kubepods(?:-(burstable|besteffort))?-pod${UID}\\.slice$`);
const SYSTEMD_QOS = /^(?:[^/]+-)?kubepods-(burstable|besteffort)\.slice$/;
const CGROUPFS_POD = new RegExp(`^pod${UID}$`);
const BARE_ID = new RegExp(`^${HEX64}$`);
const LXC_PAYLOAD = /^lxc\.payload\.(.+)$/;
const UNIT = /\.(service|scope|socket|mount|swap)$/;

/** Parse a cgroup v2 path (as in /proc/<pid>/cgroup: "/system.slice/x.service"; a leading prefix is fine). */
export function parseCgroupPath(path: string): CgroupNaming {
  const parts = path.split('/').filter((p) => p.length > 0);
  let runtime: OwnerRuntime | undefined;
  let containerId: string | undefined;
  let podUid: string | undefined;
  let qos: PodQos | undefined;
  let unit: string | undefined;
  let kube = false;
  for (let i = 0; i < parts.length; i++) {
    const c = parts[i]!;
    const prev = i > 0 ? parts[i - 1] : undefined;
    if (c === 'kubepods' || SYSTEMD_KUBEPODS.test(c)) {
      // a kubelet inside a container (kind, k3d): the node's own container is not the pod's
      kube = true;
      runtime = containerId = undefined;
      continue;
    }
    let m: RegExpExecArray | null;
    if (kube && (m = SYSTEMD_POD.exec(c))) {
      podUid = m[2]!.replace(/_/g, '-');
      qos = (m[1] as PodQos | undefined) ?? 'guaranteed';
      continue;
    }
    if (kube && (m = SYSTEMD_QOS.exec(c))) {
      qos = m[1] as PodQos;
      continue;
    }
    if (kube && prev === 'kubepods' && (c === 'burstable' || c === 'besteffort')) {
      qos = c;
      continue;
    }
    if (kube && (m = CGROUPFS_POD.exec(c))) {
      podUid = m[1]!.replace(/_/g, '-');
      qos ??= 'guaranteed';
      continue;
    }
    const named = CONTAINER_NAMES.find(([re]) => re.test(c));
    if (named) {
      runtime = named[1];
      containerId = named[0].exec(c)![1];
      continue;
    }
    if ((m = BARE_ID.exec(c))) {
      runtime = prev === 'docker' ? 'docker' : podUid ? 'container' : prev !== undefined && prev !== 'lxc' ? 'container' : runtime;
      if (runtime) containerId = m[1];
      continue;
    }
    if ((m = LXC_PAYLOAD.exec(c)) || (prev === 'lxc' && i === 1 && (m = /^(.+)$/.exec(c)))) {
      runtime = 'lxc';
      containerId = m[1];
      continue;
    }
    if (UNIT.test(c)) unit = c;
  }
  if (runtime && containerId) return { runtime, containerId, ...(podUid ? { podUid } : {}), ...(qos ? { qos } : {}) };
  if (podUid || kube) return { runtime: 'kubelet', ...(podUid ? { podUid } : {}), ...(qos ? { qos } : {}) };
  if (unit) return { runtime: 'systemd', unit };
  if (parts.some((p) => p.endsWith('.slice'))) return { runtime: 'systemd' };
  return { runtime: 'none' };
}
