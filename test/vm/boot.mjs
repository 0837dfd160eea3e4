/**
 * Boot one kernel under qemu (TCG: the nested KVM here cannot run stock kernels) with the host's root
 * over virtio-9p, run the job in the run folder, and report what came back. A guest that never
 * reaches its root is a boot failure (the caller may retry once); anything later is the tests' outcome.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** qemu processes still running: killed when this process is interrupted, so no guest outlives its run */
const running = new Set();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    for (const q of running) q.kill('SIGKILL');
    process.exit(130);
  });
}

/** The line init.sh prints once the root is mounted: before it, a failure is the boot's. */
const ROOT_READY = 'sonde-vm: root ready';

export function consoleTail(file, lines = 40) {
  if (!existsSync(file)) return '(no console output)';
  return readFileSync(file, 'utf8').replace(/\r/g, '').split('\n').slice(-lines).join('\n');
}

/**
 * @param {{ kernel: {vmlinuz: string, modules: string}, initrd: string, runDir: string, guestScript: string,
 *   memMiB?: number, cpus?: number, timeoutMs: number }} o
 * @returns {Promise<{ booted: boolean, exit: number | null, timedOut: boolean, console: string, ms: number }>}
 */
export function boot(o) {
  const consoleFile = join(o.runDir, 'console.log');
  // no_timer_check: on a loaded host, TCG is too slow for the IO-APIC timer check ("IO-APIC + timer
  // doesn't work!" panics at boot); the check proves nothing about an emulated timer anyway
  const append = [
    'console=ttyS0', 'panic=-1', 'oops=panic', 'quiet', 'loglevel=4', 'rdinit=/init', 'no_timer_check',
    `sonde.run=${o.runDir}`, `sonde.guest=${o.guestScript}`, `sonde.modules=${o.kernel.modules}`,
  ].join(' ');
  const args = [
    '-accel', 'tcg', '-cpu', 'max', '-m', String(o.memMiB ?? 2048), '-smp', String(o.cpus ?? 1),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-kernel', o.kernel.vmlinuz, '-initrd', o.initrd, '-append', append,
    '-serial', `file:${consoleFile}`,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${o.runDir},mount_tag=run,security_model=none`,
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const q = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(q);
    let stderr = '';
    q.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      q.kill('SIGKILL');
    }, o.timeoutMs);
    q.on('close', () => {
      running.delete(q);
      clearTimeout(timer);
      const out = existsSync(consoleFile) ? readFileSync(consoleFile, 'utf8') : '';
      const exitFile = join(o.runDir, 'exit');
      const exit = existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8').trim()) : null;
      resolve({
        booted: out.includes(ROOT_READY),
        exit,
        timedOut,
        console: consoleTail(consoleFile) + (stderr ? `\n[qemu] ${stderr.trim()}` : ''),
        ms: Date.now() - started,
      });
    });
  });
}
