/**
 * What a runner checks before it starts a job, the same in a worker pool (runner.ts) and in the calling
 * thread (inline.ts): room under the running-jobs limit, a probe the catalogue says runs here, and the
 * privileges to load BPF. Each refusal is the typed error the API answers with (429, 422, 403).
 */
import { NotPermittedError, ProbeUnavailableError, TooManyJobsError } from '@sonde/probe-sdk';
import type { Catalog, CatalogEntry } from './catalog.js';
import { permissionProblem } from './features.js';

/** the catalogue entry of an admitted job (with its module path); throws the refusal otherwise */
export function admitJob(catalog: Catalog, probe: string, running: number, maxRunning: number): CatalogEntry & { modulePath: string } {
  if (running >= maxRunning) throw new TooManyJobsError(maxRunning);
  const entry = catalog.entry(probe);
  if (!entry.available || !entry.modulePath) throw new ProbeUnavailableError(probe, entry.reason ?? 'unavailable');
  const perm = permissionProblem();
  if (perm) throw new NotPermittedError(`cannot load BPF programs as uid ${process.geteuid?.()}`, perm);
  return entry as CatalogEntry & { modulePath: string };
}
