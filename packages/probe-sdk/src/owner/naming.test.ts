import { describe, expect, it } from 'vitest';
import { parseCgroupPath, type CgroupNaming } from './naming.js';

const ID = 'a3f1c2d4e5b60718293a4b5c6d7e8f90123456789abcdef0123456789abcdef0';
const ID2 = '0f9e8d7c6b5a49382716a5b4c3d2e1f00112233445566778899aabbccddeeff0';
const UID = '5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const UID_ = UID.replace(/-/g, '_');

// Paths as the runtimes write them (kubelet's systemd and cgroupfs drivers, containerd, CRI-O,
// Docker, podman, nerdctl, LXC, systemd), each with what it must say.
const TABLE: Array<[string, string, CgroupNaming]> = [
  ['containerd, systemd driver, burstable', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`, { runtime: 'containerd', containerId: ID, podUid: UID, qos: 'burstable' }],
  ['containerd, systemd driver, besteffort', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`, { runtime: 'containerd', containerId: ID, podUid: UID, qos: 'besteffort' }],
  ['containerd, systemd driver, guaranteed', `/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`, { runtime: 'containerd', containerId: ID, podUid: UID, qos: 'guaranteed' }],
  ['CRI-O, systemd driver', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID}.scope`, { runtime: 'cri-o', containerId: ID, podUid: UID, qos: 'burstable' }],
  ['CRI-O conmon', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${ID}.scope`, { runtime: 'cri-o', containerId: ID, podUid: UID, qos: 'burstable' }],
  ['CRI-O, container sub-cgroup', `/kubepods.slice/kubepods-pod${UID_}.slice/crio-${ID}.scope/container`, { runtime: 'cri-o', containerId: ID, podUid: UID, qos: 'guaranteed' }],
  ['cri-dockerd, systemd driver', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${ID}.scope`, { runtime: 'docker', containerId: ID, podUid: UID, qos: 'besteffort' }],
  ['cgroupfs driver, burstable', `/kubepods/burstable/pod${UID}/${ID}`, { runtime: 'container', containerId: ID, podUid: UID, qos: 'burstable' }],
  ['cgroupfs driver, guaranteed', `/kubepods/pod${UID}/${ID}`, { runtime: 'container', containerId: ID, podUid: UID, qos: 'guaranteed' }],
  ['cgroupfs driver, CRI-O', `/kubepods/besteffort/pod${UID}/crio-${ID}`, { runtime: 'cri-o', containerId: ID, podUid: UID, qos: 'besteffort' }],
  ['a pod cgroup, systemd driver', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`, { runtime: 'kubelet', podUid: UID, qos: 'burstable' }],
  ['a pod cgroup, cgroupfs', `/kubepods/besteffort/pod${UID}`, { runtime: 'kubelet', podUid: UID, qos: 'besteffort' }],
  ['a QoS class cgroup', '/kubepods.slice/kubepods-besteffort.slice', { runtime: 'kubelet', qos: 'besteffort' }],
  ['kubepods itself', '/kubepods.slice', { runtime: 'kubelet' }],
  ['kind (cgroup root /kubelet): a QoS class cgroup', `/system.slice/docker-${ID2}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice`, { runtime: 'kubelet', qos: 'burstable' }],
  ['kind (cgroup root /kubelet): a container', `/system.slice/docker-${ID2}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`, { runtime: 'containerd', containerId: ID, podUid: UID, qos: 'besteffort' }],
  ['the kind node container itself', `/system.slice/docker-${ID2}.scope/system.slice/containerd.service`, { runtime: 'docker', containerId: ID2 }],
  ['kind node, pod inside', `/system.slice/docker-${ID2}.scope/kubepods/burstable/pod${UID}/${ID}`, { runtime: 'container', containerId: ID, podUid: UID, qos: 'burstable' }],
  ['kind node, pod cgroup inside', `/system.slice/docker-${ID2}.scope/kubepods/burstable/pod${UID}`, { runtime: 'kubelet', podUid: UID, qos: 'burstable' }],
  ['a test-owned prefix', `/sonde-test-1a2b/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`, { runtime: 'containerd', containerId: ID, podUid: UID, qos: 'burstable' }],
  ['Docker, systemd driver', `/system.slice/docker-${ID}.scope`, { runtime: 'docker', containerId: ID }],
  ['Docker, cgroupfs driver', `/docker/${ID}`, { runtime: 'docker', containerId: ID }],
  ['podman', `/machine.slice/libpod-${ID}.scope`, { runtime: 'podman', containerId: ID }],
  ['podman conmon', `/machine.slice/libpod-conmon-${ID}.scope`, { runtime: 'podman', containerId: ID }],
  ['podman rootless', `/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, { runtime: 'podman', containerId: ID }],
  ['podman, in a pod', `/machine.slice/machine-libpod_pod_${ID2}.slice/libpod-${ID}.scope`, { runtime: 'podman', containerId: ID }],
  ['podman, cgroupfs', `/libpod_parent/libpod-${ID}`, { runtime: 'podman', containerId: ID }],
  ['nerdctl, systemd driver', `/system.slice/nerdctl-${ID}.scope`, { runtime: 'containerd', containerId: ID }],
  ['containerd namespace, cgroupfs', `/default/${ID}`, { runtime: 'container', containerId: ID }],
  ['LXC payload', '/lxc.payload.web1', { runtime: 'lxc', containerId: 'web1' }],
  ['LXC, old layout', '/lxc/web1', { runtime: 'lxc', containerId: 'web1' }],
  ['a systemd service', '/system.slice/nginx.service', { runtime: 'systemd', unit: 'nginx.service' }],
  ['a templated service', '/system.slice/system-getty.slice/getty@tty1.service', { runtime: 'systemd', unit: 'getty@tty1.service' }],
  ['a login session', '/user.slice/user-1000.slice/session-3.scope', { runtime: 'systemd', unit: 'session-3.scope' }],
  ['a user manager app', '/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-1.scope', { runtime: 'systemd', unit: 'vte-spawn-1.scope' }],
  ['the containerd service itself', '/system.slice/containerd.service', { runtime: 'systemd', unit: 'containerd.service' }],
  ['init', '/init.scope', { runtime: 'systemd', unit: 'init.scope' }],
  ['a slice', '/system.slice', { runtime: 'systemd' }],
  ['the root', '/', { runtime: 'none' }],
  ['an unknown path', '/sonde-test-1a2b/other', { runtime: 'none' }],
  ['a short hex name is no container id', '/workers/abc123', { runtime: 'none' }],
  ['pod-like name outside kubepods', `/pod${UID}`, { runtime: 'none' }],
];

describe('parseCgroupPath', () => {
  it.each(TABLE)('%s', (_name, path, want) => {
    expect(parseCgroupPath(path)).toEqual(want);
  });

  it('reads paths with or without the leading slash and trailing slashes alike', () => {
    const p = `kubepods/burstable/pod${UID}/${ID}/`;
    expect(parseCgroupPath(p)).toEqual(parseCgroupPath(`/${p}`));
  });

  it('refuses upper-case or short ids in runtime names', () => {
    expect(parseCgroupPath(`/system.slice/docker-${ID.toUpperCase()}.scope`)).toEqual({ runtime: 'systemd', unit: `docker-${ID.toUpperCase()}.scope` });
    expect(parseCgroupPath(`/system.slice/docker-${ID.slice(0, 12)}.scope`)).toEqual({ runtime: 'systemd', unit: `docker-${ID.slice(0, 12)}.scope` });
  });
});
