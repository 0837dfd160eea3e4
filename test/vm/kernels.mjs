/**
 * Debian kernels for the VM matrix: found with apt-cache, fetched with `apt-get download`, unpacked
 * with `dpkg-deb -x` into the project's own cache (never installed as the host's kernel), and given
 * the `modules.dep` the packages do not ship (`depmod -b`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The kernels the matrix boots: a name for reports, and the package-name pattern whose newest match is used. */
export const KERNELS = [
  { id: '6.1', pattern: /^linux-image-6\.1\.0-(\d+)-amd64$/ },
  { id: '6.12', pattern: /^linux-image-6\.12\.(\d+)\+deb12-amd64$/ },
];

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });

/** Newest package name matching the pattern (by its numeric part), from apt's lists. */
export function newestPackage(pattern) {
  const names = sh('apt-cache', ['pkgnames', 'linux-image-6.1']).split('\n').filter((n) => pattern.test(n));
  if (names.length === 0) throw new Error(`apt knows no package matching ${pattern} (run apt-get update?)`);
  names.sort((a, b) => Number(pattern.exec(b)[1]) - Number(pattern.exec(a)[1]));
  return names[0];
}

/**
 * Fetch and unpack one kernel into cacheDir/<package>/ (idempotent). Returns the paths the VM needs.
 * `pkg` may be given to pin a package; otherwise the newest one apt knows.
 */
export function fetchKernel(cacheDir, kernel, pkg = process.env[`SONDE_VM_PKG_${kernel.id.replace('.', '_')}`]) {
  let name = pkg;
  if (!name) {
    try {
      name = newestPackage(kernel.pattern);
    } catch {
      // apt's lists may be missing on a fresh machine: refresh once
      sh('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      name = newestPackage(kernel.pattern);
    }
  }
  const dir = join(cacheDir, name);
  const root = join(dir, 'root');
  if (!existsSync(join(dir, '.ready'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`vm: downloading ${name}\n`);
    sh('apt-get', ['download', '-q', name], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${name} left no .deb in ${dir}`);
    sh('dpkg-deb', ['-x', join(dir, deb), root]);
    rmSync(join(dir, deb));
    const kver = readdirSync(join(root, 'lib/modules'))[0];
    sh('depmod', ['-b', root, kver]);
    // marks a complete unpack, so an interrupted one is redone
    execFileSync('touch', [join(dir, '.ready')]);
  }
  const kver = readdirSync(join(root, 'lib/modules'))[0];
  const vmlinuz = join(root, 'boot', `vmlinuz-${kver}`);
  const config = join(root, 'boot', `config-${kver}`);
  if (!existsSync(vmlinuz)) throw new Error(`${name}: no ${vmlinuz} in the package`);
  return { id: kernel.id, pkg: name, kver, root, vmlinuz, config, modules: join(root, 'lib/modules', kver) };
}
