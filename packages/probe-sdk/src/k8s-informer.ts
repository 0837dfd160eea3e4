/**
 * One Kubernetes resource kept current in memory, the way client-go's reflector does it: list (in
 * pages, `limit`/`continue`), then watch from the list's resourceVersion with bookmarks
 * (`watch=1&allowWatchBookmarks=true&timeoutSeconds=...`). The server ends each watch every
 * watchTimeoutSeconds and it is taken up again from the last resourceVersion; a 410 Gone — as an
 * HTTP status or as an ERROR event — means that version is compacted away: list again at once
 * (stats.resyncs). Any other failure lists again after a backoff doubling from backoff.minMs to
 * backoff.maxMs, reset by a good list; a watch that ends at once without events backs off too.
 *
 * A cache extends this class and says what a complete list (`replace`) and one change (`apply`)
 * do to its indexes: PodCache (owner/pods.ts), ServiceCache (owner/services.ts).
 */
import { k8sGetJson, k8sWatch, K8sApiError, type K8sApi, type WatchEvent } from './k8s-api.js';

export interface InformerOptions {
  api: K8sApi;
  /** the server ends each watch after this long (default 300) */
  watchTimeoutSeconds?: number;
  backoff?: { minMs?: number; maxMs?: number };
  /** page size of the list (default 500) */
  pageSize?: number;
  onError?: (err: Error) => void;
  now?: () => number;
}

/** What the informer is over: the collection's path and what else to ask for. */
export interface InformerResource {
  /** the collection, e.g. /api/v1/pods */
  path: string;
  /** in errors: "pod" → "pod cache: no pod list in 10000 ms" */
  noun: string;
  /** more query, already encoded, each part led by `&` (e.g. `&fieldSelector=...`) */
  query?: string;
}

export interface InformerStats {
  lists: number;
  watches: number;
  events: number;
  /** relists because the watch's resourceVersion was gone (410) */
  resyncs: number;
  errors: number;
  lastError?: string;
  resourceVersion?: string;
}

export interface K8sObject {
  metadata?: { resourceVersion?: string };
}

export type K8sChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

class Gone extends Error {}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    if (signal.aborted) return r();
    const t = setTimeout(r, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
  });

export abstract class K8sInformer<T extends K8sObject> {
  readonly stats: InformerStats = { lists: 0, watches: 0, events: 0, resyncs: 0, errors: 0 };
  protected readonly now: () => number;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readyWaiters: Array<() => void> = [];
  private isReady = false;
  private rv: string | undefined;

  constructor(
    private readonly informer: InformerOptions,
    private readonly resource: InformerResource,
  ) {
    this.now = informer.now ?? Date.now;
  }

  /** every object the server holds now (all pages of one list): whatever is not among them is gone */
  protected abstract replace(items: T[]): void;
  /** one change seen by the watch */
  protected abstract apply(type: K8sChangeType, obj: T): void;

  /** start listing and watching in the background (idempotent) */
  start(): this {
    if (!this.loop) {
      this.abort = new AbortController();
      this.loop = this.run(this.abort.signal);
    }
    return this;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** resolves after the first complete list; rejects after timeoutMs */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.isReady) return Promise.resolve();
    const { noun } = this.resource;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${noun} cache: no ${noun} list in ${timeoutMs} ms${this.stats.lastError ? ` (${this.stats.lastError})` : ''}`)), timeoutMs);
      this.readyWaiters.push(() => (clearTimeout(t), resolve()));
    });
  }

  get synced(): boolean {
    return this.isReady;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const minMs = this.informer.backoff?.minMs ?? 500;
    const maxMs = this.informer.backoff?.maxMs ?? 30_000;
    let backoff = minMs;
    while (!signal.aborted) {
      try {
        await this.list(signal);
        backoff = minMs;
        for (;;) {
          if (signal.aborted) return;
          const t0 = this.now();
          let events = 0;
          try {
            await this.watch(signal, () => events++);
          } catch (err) {
            if (err instanceof Gone || (err instanceof K8sApiError && err.status === 410)) {
              this.stats.resyncs++;
              break; // list again at once
            }
            throw err;
          }
          // a server that closes watches at once must not make us spin
          if (events === 0 && this.now() - t0 < 1000) {
            await sleep(backoff, signal);
            backoff = Math.min(maxMs, backoff * 2);
          } else backoff = minMs;
        }
      } catch (err) {
        if (signal.aborted) return;
        this.stats.errors++;
        this.stats.lastError = (err as Error).message;
        this.informer.onError?.(err as Error);
        await sleep(backoff, signal);
        backoff = Math.min(maxMs, backoff * 2);
      }
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont = '';
    let rv: string | undefined;
    do {
      const path = `${this.resource.path}?limit=${this.informer.pageSize ?? 500}${this.resource.query ?? ''}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
      const page = (await k8sGetJson(this.informer.api, path, signal)) as { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
      if (signal.aborted) return;
      rv ??= page.metadata?.resourceVersion;
      for (const o of page.items ?? []) items.push(o);
      cont = page.metadata?.continue ?? '';
    } while (cont);
    this.replace(items);
    this.rv = rv;
    this.stats.resourceVersion = rv;
    this.stats.lists++;
    if (!this.isReady) {
      this.isReady = true;
      for (const w of this.readyWaiters.splice(0)) w();
    }
  }

  private async watch(signal: AbortSignal, counted: () => void): Promise<void> {
    const timeout = this.informer.watchTimeoutSeconds ?? 300;
    const path = `${this.resource.path}?watch=1&allowWatchBookmarks=true&timeoutSeconds=${timeout}${this.rv ? `&resourceVersion=${encodeURIComponent(this.rv)}` : ''}${this.resource.query ?? ''}`;
    this.stats.watches++;
    type Ev = T & { code?: number; message?: string };
    await k8sWatch<Ev>(
      this.informer.api,
      path,
      (e: WatchEvent<Ev>) => {
        counted();
        this.stats.events++;
        if (e.type === 'ERROR') {
          if (e.object?.code === 410) throw new Gone(e.object.message ?? 'resourceVersion too old');
          throw new Error(`Kubernetes API watch error ${e.object?.code ?? '?'}: ${e.object?.message ?? JSON.stringify(e.object)}`);
        }
        const rv = e.object?.metadata?.resourceVersion;
        if (rv) this.rv = this.stats.resourceVersion = rv;
        if (e.type === 'BOOKMARK' || !e.object) return;
        this.apply(e.type, e.object);
      },
      signal,
    );
  }
}
