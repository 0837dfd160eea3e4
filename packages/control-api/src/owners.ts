/**
 * The process's owner resolution (probe-sdk owner/): one OwnerResolver over this host's cgroup v2
 * tree, and — when the agent runs in a cluster with NODE_NAME (the downward API's spec.nodeName) and
 * API access — a PodCache of this node's pods, so owners name pods and containers and the pod /
 * podSelector / container-name filters work. The runner uses it for owner filters, `owner` on
 * results and by pod/container (core-loader runner.ts).
 */
import { cgroup2Root, inClusterApi, OwnerResolver, PodCache } from '@sonde/probe-sdk';

export interface OwnerResolution {
  owners: OwnerResolver | undefined;
  pods: PodCache | undefined;
  /** one line for the log: what is resolved, or why not */
  summary: string;
  stop(): Promise<void>;
}

export function ownerResolution(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = console.warn): OwnerResolution {
  let root: string;
  try {
    root = cgroup2Root();
  } catch (err) {
    return { owners: undefined, pods: undefined, summary: `owners off: ${(err as Error).message}`, stop: async () => {} };
  }
  const api = inClusterApi(env);
  const node = env.NODE_NAME;
  let pods: PodCache | undefined;
  if (node && api.apiUrl) {
    pods = new PodCache({ api: { ...api, apiUrl: api.apiUrl }, nodeName: node, onError: (err) => log(`sonde: pod watch: ${err.message}`) }).start();
  }
  const owners = new OwnerResolver({ hierarchyOptions: { root }, pods });
  const summary = pods
    ? `owners: cgroup v2 at ${root}, pods of node ${node} from ${api.apiUrl}`
    : `owners: cgroup v2 at ${root}; no pod names (${node ? 'no Kubernetes API in reach' : 'NODE_NAME unset'}): pods by UID, containers by id`;
  return { owners, pods, summary, stop: async () => pods?.stop() };
}
