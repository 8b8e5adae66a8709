// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it:
// a candidate takes the lease when its holder has not renewed it for leaseDuration (measured
// on the candidate's own clock from when it last saw the record change, so clock skew does
// not matter); the leader renews every retryPeriod and gives up if it cannot renew within
// renewDeadline. Writes carry the resourceVersion, so two candidates cannot both win.
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
    // The renew deadline on its own timer: however long a request takes, the leader steps down
    // once it has not renewed for renewDeadline (shorter than leaseDuration, so before another
    // candidate can take the lease).
    this.watchdog = setInterval(() => this.checkDeadline(), Math.max(50, Math.min(this.o.retryPeriodMs, this.o.renewDeadlineMs / 4)));
    this.watchdog.unref();
  }

  private checkDeadline(): void {
    if (!this.leading || Date.now() - this.lastRenew <= this.o.renewDeadlineMs) return;
    this.leading = false;
    this.log.error('lost leadership: could not renew the lease in time', { identity: this.o.identity, sinceRenewMs: Date.now() - this.lastRenew });
    this.onStop();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let ok = false;
      try {
        // Every attempt has a deadline; a leader's ends no later than its renew deadline.
        const left = this.leading ? this.lastRenew + this.o.renewDeadlineMs - Date.now() : this.o.renewDeadlineMs;
        ok = await this.tryAcquireOrRenew(AbortSignal.timeout(Math.max(1, Math.min(left, this.o.renewDeadlineMs))));
      } catch (err) {
        this.log.warn('lease request failed', { error: String(err) });
      }
      if (ok) {
        this.lastRenew = Date.now();
        if (!this.leading && !this.stopped) {
          this.leading = true;
          this.log.info('became leader', { lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity });
          this.onStart();
        }
      } else this.checkDeadline();
      await sleep(this.o.retryPeriodMs);
    }
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

  /** Stops campaigning; a leader hands the lease back so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await this.loop?.catch(() => {});
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.kube.getLease(this.o.namespace, this.o.name, AbortSignal.timeout(this.o.renewDeadlineMs));
      if (lease.spec?.holderIdentity === this.o.identity) {
        const acquired = lease.spec.acquireTime ? new k8s.V1MicroTime(new Date(lease.spec.acquireTime).getTime()) : undefined;
        lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: acquired, renewTime: new k8s.V1MicroTime(Date.now()) };
        await this.kube.updateLease(this.o.namespace, lease, AbortSignal.timeout(this.o.renewDeadlineMs));
        this.log.info('released the lease', { identity: this.o.identity });
      }
    } catch (err) {
      this.log.warn('could not release the lease', { error: String(err) });
    }
  }
}
