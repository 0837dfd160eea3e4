import { HTTPException } from 'hono/http-exception';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BadParamsError,
  NotFoundError,
  NotPermittedError,
  ProbeLoadError,
  ProbeUnavailableError,
  VerifierRejectedError,
  SondeError,
  TooManyJobsError,
  UnknownProbeError,
  reviveError,
} from '@sonde/probe-sdk';
import { toProblem } from './problem.js';

const P = 'https://sonde.dev/problems/';

describe('toProblem', () => {
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => {}));
  afterEach(() => vi.restoreAllMocks());
  it.each([
    [new BadParamsError('bad', [{ field: 'params.rport', message: 'too big' }]), 400, 'bad-params'],
    [new SondeError('unauthorized', 'token missing'), 401, 'unauthorized'],
    [new NotPermittedError('bpf() refused'), 403, 'not-permitted'],
    [new ProbeLoadError('attach refused', 'attach', 'EPERM'), 403, 'not-permitted'],
    [new UnknownProbeError('x'), 404, 'unknown-probe'],
    [new NotFoundError("job 'j_1'"), 404, 'not-found'],
    [new SondeError('conflict', 'already ended'), 409, 'conflict'],
    [new ProbeUnavailableError('tcpdrop', 'no kprobes'), 422, 'probe-unavailable-on-this-kernel'],
    [new TooManyJobsError(8, 12), 429, 'too-many-jobs'],
    [new ProbeLoadError('libbpf said no', 'load', 'EINVAL'), 500, 'probe-load-failed'],
    [new VerifierRejectedError("the verifier refused tcpdrop_kfree_skb", { variant: 'tp_btf', program: 'tcpdrop_kfree_skb', hook: 'tp_btf/kfree_skb', log: ['invalid bpf_context access off=24 size=8'] }), 422, 'probe-rejected-by-verifier'],
    [new SondeError('internal', 'store is read-only'), 500, 'internal'],
  ] as const)('%s → %i %s', (err, status, type) => {
    const p = toProblem(err, '/x');
    expect(p.status).toBe(status);
    expect(p.body).toMatchObject({ type: P + type, status, detail: err.message, instance: '/x' });
  });

  it('a verifier refusal carries the variant, program, hook and the log tail, not a privileges hint', () => {
    const err = new VerifierRejectedError('x', { variant: 'tp_btf', program: 'p', hook: 'tp_btf/kfree_skb', log: ['a', 'b'] });
    const p = toProblem(err, '/v1/jobs');
    expect(p.body).toMatchObject({ variant: 'tp_btf', program: 'p', hook: 'tp_btf/kfree_skb', log: ['a', 'b'] });
    expect(p.body).not.toHaveProperty('hint');
  });

  it('bad-params lists fields under errors, not issues', () => {
    const p = toProblem(new BadParamsError('bad', [{ field: 'params.rport', message: 'too big' }]), '/v1/jobs');
    expect(p.body.errors).toEqual([{ field: 'params.rport', message: 'too big' }]);
    expect(p.body).not.toHaveProperty('issues');
  });

  it('too-many-jobs sets Retry-After; not-permitted carries its hint', () => {
    expect(toProblem(new TooManyJobsError(8, 12), '/').headers).toEqual({ 'Retry-After': '12' });
    expect(toProblem(new NotPermittedError('no'), '/').body.hint).toBe('needs root or CAP_BPF+CAP_PERFMON');
    expect(toProblem(new ProbeLoadError('no', 'attach', 'EPERM', 'run as root'), '/').body).toMatchObject({ hint: 'run as root', code: 'EPERM', stage: 'attach' });
  });

  it('maps errors revived from a worker the same way', () => {
    const p = toProblem(reviveError(new ProbeUnavailableError('p', 'r').toJSON()), '/');
    expect(p.status).toBe(422);
  });

  it('fixed members cannot be overridden by details', () => {
    const p = toProblem(new SondeError('conflict', 'x', { status: 'succeeded', type: 'evil' }), '/');
    expect(p.body).toMatchObject({ status: 409, type: `${P}conflict` });
  });

  it('HTTP exceptions: malformed body 400, 415, and unknown errors 500 without detail', () => {
    expect(toProblem(new HTTPException(400, { message: 'Malformed JSON in request body' }), '/').body.type).toBe(`${P}bad-params`);
    expect(toProblem(new HTTPException(415, { message: 'Unsupported Media Type' }), '/').status).toBe(415);
    const p = toProblem(new TypeError('cannot read x of undefined'), '/');
    expect(console.error).toHaveBeenCalled();
    expect(p.status).toBe(500);
    expect(JSON.stringify(p.body)).not.toMatch(/cannot read/);
  });
});
