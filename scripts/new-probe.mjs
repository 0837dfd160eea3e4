#!/usr/bin/env node
/**
 * A new probe from templates/probe: `npm run new-probe -- <name> ["one-line summary"]`.
 * Copies the template to packages/probes-<name>/ with the name filled in. The probe is then found by the
 * catalogue, the build, the tests and the kernel matrix without any list to edit; `npm install` registers
 * the new workspace (package-lock.json), `npm run build -w @sonde/probes-<name>` compiles its BPF, generates
 * its layouts from BTF and compiles its TypeScript.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// SONDE_NEW_PROBE_ROOT: another checkout-shaped folder (the script's own test)
const root = process.env.SONDE_NEW_PROBE_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const template = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates', 'probe');
const [name, summary = `TODO: what ${process.argv[2]} shows`] = process.argv.slice(2);
const die = (msg) => {
  console.error(`new-probe: ${msg}`);
  process.exit(2);
};
if (!name) die('usage: npm run new-probe -- <name> ["one-line summary"]');
// a BPF program name is at most 15 characters and the programs are <name>_<hook>
if (!/^[a-z][a-z0-9]{2,10}$/.test(name)) die(`"${name}": a probe name is 3 to 11 lowercase letters and digits, starting with a letter`);
const dest = join(root, 'packages', `probes-${name}`);
if (existsSync(dest)) die(`packages/probes-${name} exists already`);
if (!existsSync(join(root, 'packages'))) die(`${root} has no packages/ folder`);

const cap = name[0].toUpperCase() + name.slice(1);
const fill = (s) => s.replaceAll('__probe__', name).replaceAll('__Probe__', cap).replaceAll('__PROBE__', name.toUpperCase()).replaceAll('__summary__', summary);

cpSync(template, dest, { recursive: true });
const files = [];
(function walk(dir) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else {
      writeFileSync(p, fill(readFileSync(p, 'utf8')));
      const renamed = join(dir, fill(f));
      if (renamed !== p) renameSync(p, renamed);
      files.push(renamed.slice(root.length + 1));
    }
  }
})(dest);
console.log(`new-probe: ${files.length} files in packages/probes-${name}/:\n  ${files.sort().join('\n  ')}`);
console.log(`next: npm install && npm run build -w @sonde/probes-${name} && npx vitest run packages/probes-${name}`);
