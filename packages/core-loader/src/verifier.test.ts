import { describe, expect, it } from 'vitest';
import { VerifierRejectedError } from '@sonde/probe-sdk';
import { verifierRefusal } from './native.js';

/** A load error as the addon throws it on 6.1 (libbpf's log as captured, head and tail of the verifier log). */
const bpfError = (message: string) => Object.assign(new Error(message), { name: 'BpfError', stage: 'load', code: 'EACCES' });

const LOG = `load '/x/tcpdrop.bpf.o'
--- libbpf log (tail) ---
libbpf: prog 'tcpdrop_kfree_skb': BEGIN PROG LOAD LOG
...
0: R1=ctx(off=0,imm=0) R10=fp0
; int BPF_PROG(tcpdrop_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
1: (79) r6 = *(u64 *)(r2 +24)
func 'kfree_skb' doesn't have 4-th argument
invalid bpf_context access off=24 size=8
processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
-- END PROG LOAD LOG --
libbpf: prog 'tcpdrop_kfree_skb': failed to load: -13
libbpf: failed to load object '/x/tcpdrop.bpf.o'`;

describe('verifierRefusal', () => {
  it('turns a load error with a verifier log into a refusal naming variant, program, hook and reason', () => {
    const r = verifierRefusal(bpfError(LOG), 'tcpdrop', 'tp_btf', new Map([['tcpdrop_kfree_skb', 'tp_btf/kfree_skb']]));
    expect(r).toBeInstanceOf(VerifierRejectedError);
    expect(r!.type).toBe('probe-rejected-by-verifier');
    expect(r!.verifier).toMatchObject({ variant: 'tp_btf', program: 'tcpdrop_kfree_skb', hook: 'tp_btf/kfree_skb' });
    expect(r!.verifier.log.at(-2)).toBe('invalid bpf_context access off=24 size=8');
    expect(r!.verifier.log).not.toContain('...');
    // the last line that is a reason, not the statistics line
    expect(r!.message).toBe(
      "probe 'tcpdrop' cannot load on this kernel: the verifier refused tcpdrop_kfree_skb (tp_btf/kfree_skb) of hook variant tp_btf: invalid bpf_context access off=24 size=8",
    );
  });

  it('leaves other errors alone: EACCES without a verifier log is a permission problem', () => {
    expect(verifierRefusal(bpfError("load '/x.o': Permission denied (EACCES)"), 'p', 'v', new Map())).toBeUndefined();
    expect(verifierRefusal(Object.assign(bpfError(LOG), { stage: 'attach' }), 'p', 'v', new Map())).toBeUndefined();
    expect(verifierRefusal(new Error(LOG), 'p', 'v', new Map())).toBeUndefined();
  });
});
