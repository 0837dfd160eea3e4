/**
 * The hooks of bpf/include/attrib.h's owner_on_accept: the accept(2) and accept4(2) exits, where
 * the accepting task becomes the owner of a passively opened socket. Classic tracepoints (there is
 * no tp_btf for syscalls), so a variant that needs them needs tracefs.
 */
import type { FeatureNeed } from './kernel.js';

export const acceptExitNeeds: readonly FeatureNeed[] = [
  { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_accept4' },
  { kind: 'tracepoint', category: 'syscalls', event: 'sys_exit_accept' },
];
