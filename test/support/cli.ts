/** Run the built `sonde` binary as a child process, with a way to act when its stderr says something. */
import { spawn, type ChildProcess } from 'node:child_process';

export const CLI = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;

export interface CliRun {
  proc: ChildProcess;
  /** resolves when stderr has matched `re` (rejects if the process exits first or after `ms`) */
  stderrMatch(re: RegExp, ms?: number): Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `prefix` runs it under another command, e.g. ['ip', 'netns', 'exec', ns]: sonde inside that namespace */
export function sonde(args: string[], env: Record<string, string> = {}, prefix: string[] = []): CliRun {
  const cmd = [...prefix, process.execPath, CLI, ...args];
  const proc = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, SONDE_SERVER: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of [...waiters]) if (w.re.test(stderr)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    proc,
    done,
    stderrMatch: (re, ms = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stderr)) return resolve();
        const t = setTimeout(() => reject(new Error(`no ${re} on stderr: ${stderr}`)), ms);
        waiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
        void done.then(() => (clearTimeout(t), re.test(stderr) ? resolve() : reject(new Error(`exited without ${re}: ${stderr}`))));
      }),
  };
}

/** run to the end */
export function sondeDone(args: string[], env?: Record<string, string>, prefix?: string[]) {
  return sonde(args, env, prefix).done;
}
