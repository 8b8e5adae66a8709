// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it:
// a candidate takes the lease when its holder has not renewed it for leaseDuration (measured
// on the candidate's own clock from when it last saw the record change, so clock skew does
// not matter); the leader renews every retryPeriod and gives up if it cannot renew within
// renewDeadline. Writes carry the resourceVersion, so two candidates cannot both win.
// Every attempt has a deadline (its requests are aborted when it passes: a hung request
// must not keep a leader believing it leads), and a timer of its own checks the renew
// deadline, so a leader steps down on time even while a request hangs or the loop is slow.
// Stepping down calls onStop before anything else, and leadership once lost is not retaken
// by this elector: the process restarts, as client-go's callers do.
import * as k8s from '@kubernetes/client-node';
import { apiStatus, type Kube } from './kube.js';
import type { Logger } from 'winston';
import { sleep } from './workqueue.js';

export interface LeaderOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export class LeaderElector {
  private observedRecord = '';
  private observedAt = 0;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Aborts the attempt in flight (on stop or when leadership is lost). */
  private attempt = new AbortController();

  constructor(
    private readonly kube: Kube,
    private readonly o: LeaderOptions,
    private readonly log: Logger,
    private readonly onStart: () => void,
    private readonly onStop: () => void,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop = this.run();
    const every = Math.max(20, Math.min(this.o.retryPeriodMs, this.o.renewDeadlineMs / 4));
    this.watchdog = setInterval(() => this.checkRenewDeadline(), every);
    this.watchdog.unref();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      let ok = false;
      try {
        ok = await this.attemptWithDeadline();
      } catch (err) {
        if (!this.stopped) this.log.warn('lease request failed', { error: String(err) });
      }
      if (this.stopped) return;
      if (ok) {
        this.lastRenew = started;
        if (!this.leading) {
          this.leading = true;
          this.log.info('became leader', { lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity });
          this.onStart();
        }
      }
      this.checkRenewDeadline();
      await sleep(this.o.retryPeriodMs);
    }
  }

  /**
   * One acquire-or-renew with a deadline: a leader's ends at its renew deadline (measured
   * from when its last successful attempt started, which the API server saw no earlier), a
   * candidate's after renewDeadline.
   */
  private async attemptWithDeadline(): Promise<boolean> {
    const left = this.leading ? this.lastRenew + this.o.renewDeadlineMs - Date.now() : this.o.renewDeadlineMs;
    this.attempt = new AbortController();
    const signal = AbortSignal.any([this.attempt.signal, AbortSignal.timeout(Math.max(1, left))]);
    return this.tryAcquireOrRenew(signal);
  }

  /** The renew deadline passed without a renewal: stop leading now, whatever the loop is waiting on. */
  private checkRenewDeadline(): void {
    if (!this.leading || this.stopped || Date.now() - this.lastRenew <= this.o.renewDeadlineMs) return;
    this.leading = false;
    this.stopped = true;
    clearInterval(this.watchdog);
    this.attempt.abort(new Error('leadership lost'));
    this.log.error('lost leadership: could not renew the lease in time (within the renew deadline)', { identity: this.o.identity, renewDeadlineMs: this.o.renewDeadlineMs });
    this.onStop();
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = new Date();
    const durationS = Math.max(1, Math.round(this.o.leaseDurationMs / 1000));
    let lease: k8s.V1Lease;
    try {
      lease = await this.kube.getLease(this.o.namespace, this.o.name, signal);
    } catch (err) {
      if (apiStatus(err) !== 404) throw err;
      await this.kube.createLease(this.o.namespace, {
        metadata: { name: this.o.name, namespace: this.o.namespace },
        spec: {
          holderIdentity: this.o.identity,
          leaseDurationSeconds: durationS,
          acquireTime: new k8s.V1MicroTime(now.getTime()),
          renewTime: new k8s.V1MicroTime(now.getTime()),
          leaseTransitions: 0,
        },
      }, signal);
      return true;
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = now.getTime();
    }
    const holder = spec.holderIdentity ?? '';
    const mine = holder === this.o.identity;
    const heldMs = (spec.leaseDurationSeconds ?? durationS) * 1000;
    if (!mine && holder !== '' && this.observedAt + heldMs > now.getTime()) return false;
    // MicroTime must be written with six fractional digits: re-wrap every time field.
    lease.spec = {
      ...spec,
      holderIdentity: this.o.identity,
      leaseDurationSeconds: durationS,
      renewTime: new k8s.V1MicroTime(now.getTime()),
      acquireTime: mine && spec.acquireTime ? new k8s.V1MicroTime(new Date(spec.acquireTime).getTime()) : new k8s.V1MicroTime(now.getTime()),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      await this.kube.updateLease(this.o.namespace, lease, signal);
    } catch (err) {
      if (apiStatus(err) === 409) return false;
      throw err;
    }
    return true;
  }

  /**
   * Stops campaigning; a leader hands the lease back so a standby takes over at once. The
   * caller has already stopped reconciling (Operator.stop closes the write fence first).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    this.attempt.abort(new Error('stopping'));
    await this.loop?.catch(() => {});
    if (!this.leading) return;
    this.leading = false;
    const signal = AbortSignal.timeout(this.o.renewDeadlineMs);
    try {
      const lease = await this.kube.getLease(this.o.namespace, this.o.name, signal);
      if (lease.spec?.holderIdentity === this.o.identity) {
        const acquired = lease.spec.acquireTime ? new k8s.V1MicroTime(new Date(lease.spec.acquireTime).getTime()) : undefined;
        lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: acquired, renewTime: new k8s.V1MicroTime(Date.now()) };
        await this.kube.updateLease(this.o.namespace, lease, signal);
        this.log.info('released the lease', { identity: this.o.identity });
      }
    } catch (err) {
      this.log.warn('could not release the lease', { error: String(err) });
    }
  }
}
