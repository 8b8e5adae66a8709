// A rate-limited work queue in the manner of client-go's: a key waits in the queue at most
// once; a key being processed is never handed to a second worker (per-key serialisation),
// and one added meanwhile is processed again after; failures requeue with per-key
// exponential backoff; an overall token bucket bounds the request rate.

export interface QueueOptions {
  /** First retry delay after a failure (ms). */
  baseDelayMs?: number;
  /** Cap of the per-key backoff (ms). */
  maxDelayMs?: number;
  /** Token bucket: sustained keys per second and burst. */
  qps?: number;
  burst?: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  /** Added while processing: requeue when done. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private tokens: number;
  private lastRefill = Date.now();
  private shut = false;
  private readonly o: Required<QueueOptions>;

  constructor(options: QueueOptions = {}) {
    this.o = { baseDelayMs: 50, maxDelayMs: 60_000, qps: 50, burst: 200, ...options };
    this.tokens = this.o.burst;
  }

  /** Keys waiting (not counting delayed retries or keys in process). */
  get depth(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shut) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queued.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.queue.push(key);
  }

  /** Adds after `ms`; a later call for the same key replaces an earlier pending one only if sooner. */
  addAfter(key: string, ms: number): void {
    if (this.shut) return;
    if (ms <= 0) return this.add(key);
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  /** Requeue after a failure, with exponential backoff per key. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, this.backoff(n));
  }

  backoff(failures: number): number {
    return Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** failures);
  }

  /** Forget a key's failure history (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, or undefined after shutdown. The caller must call done(key). */
  async get(): Promise<string | undefined> {
    await this.takeToken();
    if (this.shut) return undefined;
    const key = this.queue.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return key;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutdown(): void {
    this.shut = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Waits until no key is being processed (for graceful shutdown). */
  async drain(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.processing.size > 0 && Date.now() < end) await sleep(20);
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.o.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.o.qps);
      this.lastRefill = now;
      if (this.tokens >= 1 || this.shut) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.o.qps) * 1000));
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
