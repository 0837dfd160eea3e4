/**
 * A tc clsact BPF program that drops TCP segments to one destination port (TC_ACT_SHOT), for
 * tests that need drops the kernel attributes to tc (drop reasons TC_INGRESS / TC_EGRESS).
 * Compiled with clang per port, installed with `tc` inside a namespace; removed with the namespace
 * or by remove(). Its program name (tcdrop_port) is not one of the project's prefixes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = `
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int tcdrop_port(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	th = (void *)ip + ip->ihl * 4;
	if ((void *)(th + 1) > end)
		return TC_ACT_OK;
	return th->dest == bpf_htons(DROP_PORT) ? TC_ACT_SHOT : TC_ACT_OK;
}
char LICENSE[] SEC("license") = "GPL";
`;

export interface TcDrop {
  remove(): void;
}

/** Drop TCP segments to `port` at `direction` of `dev` in namespace `ns`. */
export function tcDropPort(ns: string, dev: string, direction: 'ingress' | 'egress', port: number): TcDrop {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-tc-'));
  try {
    const src = join(dir, 'tc_drop.bpf.c');
    const obj = join(dir, 'tc_drop.o');
    writeFileSync(src, SOURCE);
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', `-DDROP_PORT=${port}`, '-I/usr/include/x86_64-linux-gnu', '-c', src, '-o', obj], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    const tc = (...args: string[]) => execFileSync('ip', ['netns', 'exec', ns, 'tc', ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    try {
      tc('qdisc', 'add', 'dev', dev, 'clsact');
    } catch {
      /* already there (a second filter on the same device) */
    }
    tc('filter', 'add', 'dev', dev, direction, 'bpf', 'da', 'obj', obj, 'sec', 'tc');
    return {
      remove: () => {
        try {
          tc('filter', 'del', 'dev', dev, direction);
        } catch {
          /* namespace already gone */
        }
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A TcpExt/Tcp counter, absolute, without touching nstat's history: of a namespace made with
 * `ip netns add`, or of this process's own (ns null).
 */
export function nstat(ns: string | null, counter: string): number {
  const cmd = ['nstat', '-asz', counter];
  const out = execFileSync(ns ? 'ip' : cmd[0]!, ns ? ['netns', 'exec', ns, ...cmd] : cmd.slice(1), { encoding: 'utf8', timeout: 10_000 });
  const line = out.split('\n').find((l) => l.startsWith(counter + ' '));
  return line ? Number(line.trim().split(/\s+/)[1]) : 0;
}

/** the name of the (only) veth device in a namespace */
export function vethIn(ns: string): string {
  const out = execFileSync('ip', ['-n', ns, '-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8', timeout: 10_000 });
  const m = /^\d+:\s+([^@:\s]+)/m.exec(out);
  if (!m) throw new Error(`no veth in namespace ${ns}`);
  return m[1]!;
}
