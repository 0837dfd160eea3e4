/**
 * A small initramfs for one kernel: static busybox, the modules needed to reach the host's root over
 * virtio-9p with an overlay (with their dependencies, in load order), and `init.sh` as /init.
 * Written as a newc cpio archive directly (no cpio binary needed on the host).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** What the guest must load to mount the root; those built into a kernel are simply absent from its modules.dep. */
const WANTED = ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'overlay'];

/** Modules in load order (dependencies first) from the kernel's modules.dep. */
export function moduleOrder(modulesDir, wanted = WANTED) {
  const dep = new Map();
  for (const line of readFileSync(join(modulesDir, 'modules.dep'), 'utf8').split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) dep.set(m[1], m[2].split(/\s+/).filter(Boolean));
  }
  const byName = new Map([...dep.keys()].map((p) => [basename(p).replace(/\.ko(\.[a-z]+)?$/, '').replace(/-/g, '_'), p]));
  const order = [];
  const visit = (path) => {
    if (order.includes(path)) return;
    // modules.dep lists every dependency, transitive ones included; the last are the deepest
    for (const d of [...(dep.get(path) ?? [])].reverse()) visit(d);
    order.push(path);
  };
  for (const w of wanted) {
    const p = byName.get(w);
    if (p) visit(p); // absent: built into this kernel
  }
  return order;
}

export class Cpio {
  chunks = [];
  ino = 1;
  add(name, mode, data = Buffer.alloc(0)) {
    const hex = (n) => n.toString(16).padStart(8, '0');
    const nameBuf = Buffer.from(name + '\0');
    const fields = [this.ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBuf.length, 0];
    const head = Buffer.from('070701' + fields.map(hex).join(''));
    this.push(Buffer.concat([head, nameBuf]));
    this.push(data);
  }
  push(buf) {
    this.chunks.push(buf);
    const pad = (4 - (buf.length % 4)) % 4;
    if (pad) this.chunks.push(Buffer.alloc(pad));
  }
  dir(name) {
    this.add(name, 0o040755);
  }
  file(name, data, exec = false) {
    this.add(name, exec ? 0o100755 : 0o100644, data);
  }
  symlink(name, target) {
    this.add(name, 0o120777, Buffer.from(target));
  }
  finish() {
    this.add('TRAILER!!!', 0);
    return Buffer.concat(this.chunks);
  }
}

/** Build the initramfs for a fetched kernel (see kernels.mjs) and write it to `out`. */
export function buildInitramfs(kernel, out) {
  const c = new Cpio();
  for (const d of ['bin', 'dev', 'proc', 'sys', 'lower', 'upper', 'newroot', 'modules']) c.dir(d);
  c.file('bin/busybox', readFileSync('/bin/busybox'), true);
  c.symlink('bin/sh', 'busybox');
  const order = moduleOrder(kernel.modules);
  const names = [];
  for (const rel of order) {
    const src = join(kernel.modules, rel);
    // busybox insmod does not read compressed modules: unpack them here
    const data = rel.endsWith('.xz') ? execFileSync('xz', ['-dc', src], { maxBuffer: 64 << 20 }) : readFileSync(src);
    const name = basename(rel).replace(/\.xz$/, '');
    c.file(`modules/${name}`, data);
    names.push(name);
  }
  c.file('modules/order', Buffer.from(names.join('\n') + '\n'));
  c.file('init', readFileSync(join(here, 'init.sh')), true);
  writeFileSync(out, c.finish());
  return names;
}
