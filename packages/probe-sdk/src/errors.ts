/**
 * Typed errors shared by the SDK, the loader and the API. Each has a stable `type` that
 * control-api maps to an RFC 9457 problem (in exactly one place).
 */
export type ErrorType =
  | 'bad-params'
  | 'unknown-probe'
  | 'probe-unavailable-on-this-kernel'
  | 'not-permitted'
  | 'too-many-jobs'
  | 'not-found'
  | 'unauthorized'
  | 'conflict'
  | 'probe-load-failed'
  | 'probe-rejected-by-verifier'
  | 'internal';

export class SondeError extends Error {
  readonly type: ErrorType;
  /** extra members for the problem document */
  readonly details: Record<string, unknown>;
  constructor(type: ErrorType, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.type = type;
    this.details = details;
  }
  toJSON(): Record<string, unknown> {
    return { name: this.name, type: this.type, message: this.message, details: this.details };
  }
}

export interface ParamIssue {
  /** dotted path of the offending field, e.g. `params.rport` */
  field: string;
  message: string;
}

export class BadParamsError extends SondeError {
  constructor(message: string, readonly issues: ParamIssue[] = []) {
    super('bad-params', message, { issues });
  }
}

export class UnknownProbeError extends SondeError {
  constructor(readonly probe: string) {
    super('unknown-probe', `no probe named '${probe}'`, { probe });
  }
}

export class ProbeUnavailableError extends SondeError {
  constructor(readonly probe: string, readonly reason: string) {
    super('probe-unavailable-on-this-kernel', `probe '${probe}' cannot run on this host: ${reason}`, { probe, reason });
  }
}

export class NotSupportedError extends SondeError {
  constructor(readonly feature: string, reason: string) {
    super('probe-unavailable-on-this-kernel', `${feature} is not supported here: ${reason}`, { feature });
  }
}

export class TooManyJobsError extends SondeError {
  constructor(readonly limit: number, readonly retryAfterS = 5) {
    super('too-many-jobs', `already running the maximum of ${limit} jobs`, { limit, retryAfter: retryAfterS });
  }
}

export class NotFoundError extends SondeError {
  constructor(what: string) {
    super('not-found', `${what} not found`);
  }
}

export class NotPermittedError extends SondeError {
  constructor(message: string, readonly hint = 'needs root or CAP_BPF+CAP_PERFMON') {
    super('not-permitted', message, { hint });
  }
}

/** libbpf or the kernel refused a step; `code` is the errno name ('EPERM', 'ENOENT', …). */
export class ProbeLoadError extends SondeError {
  constructor(
    message: string,
    readonly stage: 'open' | 'load' | 'attach' | 'read' | 'run',
    readonly code?: string,
    readonly hint?: string,
  ) {
    super(code === 'EPERM' || code === 'EACCES' ? 'not-permitted' : 'probe-load-failed', message, {
      stage,
      ...(code ? { code } : {}),
      ...(hint ? { hint } : {}),
    });
  }
}

/**
 * The kernel's verifier refused a program of the probe: the probe cannot load on this kernel as
 * built. Not a permission problem, whatever errno the kernel used (EACCES, EINVAL): the details
 * name the hook variant, the program and its section, and carry the verifier's last lines.
 */
export class VerifierRejectedError extends SondeError {
  constructor(
    message: string,
    readonly verifier: { variant?: string; program?: string; hook?: string; log: string[] },
  ) {
    super('probe-rejected-by-verifier', message, verifier);
  }
}

/** Rebuild a typed error from its JSON form (errors cross the worker-thread boundary as JSON). */
export function reviveError(json: unknown): SondeError {
  const o = (json ?? {}) as { name?: string; type?: ErrorType; message?: string; details?: Record<string, unknown> };
  const details = o.details ?? {};
  const message = o.message ?? 'unknown error';
  if (o.name === 'VerifierRejectedError') {
    return new VerifierRejectedError(message, details as VerifierRejectedError['verifier']);
  }
  if (o.name === 'ProbeLoadError') {
    return new ProbeLoadError(
      message,
      (details.stage as ProbeLoadError['stage']) ?? 'run',
      details.code as string | undefined,
      details.hint as string | undefined,
    );
  }
  const e = new SondeError(o.type ?? 'internal', message, details);
  if (o.name) e.name = o.name;
  return e;
}

/** Turn anything thrown into JSON that survives postMessage. */
export function errorToJSON(err: unknown): Record<string, unknown> {
  if (err instanceof SondeError) return err.toJSON();
  const e = err as { message?: string; code?: string; hint?: string; stage?: string };
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    return new ProbeLoadError(e.message ?? String(err), (e.stage as ProbeLoadError['stage']) ?? 'run', e.code, e.hint).toJSON();
  }
  return { name: 'Error', type: 'internal', message: e?.message ?? String(err), details: {} };
}
