import { status } from '@grpc/grpc-js';
import type { OutlierPolicy } from '../options/outlier-policy.js';

// Its settings are an option shape; re-exported for the pool's users.
export type { OutlierPolicy };

interface BackendRecord {
  failuresInARow: number;
  /** Ejections in a row; reset when a probe succeeds. */
  ejections: number;
  /** 0 when admitted; else when the ejection period ends. */
  ejectedUntil: number;
  /** The period is over and one call is testing the backend. */
  probeInFlight: boolean;
}

/** What an attempt's status says about its backend. */
export type OutlierOutcome = 'ok' | 'failed' | 'inconclusive';

/** UNAVAILABLE points at the backend; cancelled and deadline prove nothing; any other answer came from it. */
export function outlierOutcome(code: status): OutlierOutcome {
  if (code === status.UNAVAILABLE) return 'failed';
  return code === status.CANCELLED || code === status.DEADLINE_EXCEEDED ? 'inconclusive' : 'ok';
}

/** Told when a backend is ejected or admitted again. */
export type OutlierListener = (target: string, ejected: boolean, detail: string) => void;

/**
 * Consecutive-failure outlier ejection per backend, as Envoy and gRPC's
 * outlier_detection do it: a backend failing `consecutiveFailures` calls in
 * a row gets no calls for a period that doubles with each ejection in a row;
 * then one call probes it, and its success admits it again. Never more than
 * half of the backends are ejected at once, so a fault that hits all of
 * them (or a single backend) cannot leave a pool with nowhere to send calls.
 * The pool creates one only when it has two backends or more.
 */
export class OutlierDetector {
  private readonly records = new Map<string, BackendRecord>();
  /** Backends ejected or on probation: while 0, `blocks()` is a single comparison. */
  private outliers = 0;

  constructor(
    /** How many backends there are now. */
    private readonly backendCount: () => number,
    private readonly policy: OutlierPolicy,
    private readonly onChange: OutlierListener,
  ) {}

  /** Whether a new call must not go to `target` now. */
  blocks(target: string): boolean {
    if (this.outliers === 0) return false;
    const record = this.records.get(target);
    if (record === undefined || record.ejectedUntil === 0) return false;
    return Date.now() < record.ejectedUntil || record.probeInFlight;
  }

  /**
   * A call was placed on `target`: past the ejection period, it is the probe.
   * One placed within the period (every other backend was failing) is none:
   * the probe still comes once the period ends.
   */
  placed(target: string): void {
    if (this.outliers === 0) return;
    const record = this.records.get(target);
    if (record !== undefined && record.ejectedUntil !== 0 && Date.now() >= record.ejectedUntil)
      record.probeInFlight = true;
  }

  /**
   * An attempt on `target` ended: `failed` points at the backend (UNAVAILABLE),
   * `ok` is any answer from it, `inconclusive` (cancelled, deadline) proves nothing.
   */
  report(target: string, outcome: OutlierOutcome): void {
    const record = this.recordOf(target);
    if (outcome === 'inconclusive') {
      // A probe that proved nothing frees the way for the next one.
      record.probeInFlight = false;
      return;
    }
    if (outcome === 'ok') {
      record.failuresInARow = 0;
      if (record.ejectedUntil !== 0 && Date.now() >= record.ejectedUntil)
        this.admit(target, record);
      return;
    }
    record.failuresInARow++;
    if (record.probeInFlight) return this.eject(target, record, 'its probe call failed');
    if (record.ejectedUntil !== 0 || record.failuresInARow < this.policy.consecutiveFailures)
      return;
    if (this.outliers + 1 > Math.floor(this.backendCount() / 2)) return;
    this.eject(target, record, `${record.failuresInARow} calls in a row failed`);
  }

  /**
   * A connection to `target` failed. With a subset, where a dead backend
   * holds a place no other backend can take, that ejects it at once (within
   * the same cap, and again each time past its period): the subset then
   * passes over it. grpc-js keeps a failing channel in TRANSIENT_FAILURE
   * while it retries, so this comes once per failing spell, not per attempt.
   */
  unreachable(target: string): void {
    const record = this.recordOf(target);
    const now = Date.now();
    if (record.ejectedUntil !== 0 && now < record.ejectedUntil) return;
    if (record.ejectedUntil === 0 && this.outliers + 1 > Math.floor(this.backendCount() / 2))
      return;
    this.eject(target, record, 'its connection failed');
  }

  /** Backends that get no calls now, with when each may be probed (epoch ms). */
  ejected(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [target, record] of this.records) {
      if (record.ejectedUntil !== 0) out.set(target, record.ejectedUntil);
    }
    return out;
  }

  /** `target` is gone (discovery no longer finds it): its record goes too. */
  forget(target: string): void {
    const record = this.records.get(target);
    if (record === undefined) return;
    if (record.ejectedUntil !== 0) this.outliers--;
    this.records.delete(target);
  }

  private eject(target: string, record: BackendRecord, why: string): void {
    if (record.ejectedUntil === 0) this.outliers++;
    const { baseEjectionMs, maxEjectionMs } = this.policy;
    const periodMs = Math.min(maxEjectionMs, baseEjectionMs * 2 ** record.ejections);
    record.ejections++;
    record.ejectedUntil = Date.now() + periodMs;
    record.probeInFlight = false;
    this.onChange(target, true, `${why}: no calls for ${periodMs} ms, then one probe call`);
  }

  private admit(target: string, record: BackendRecord): void {
    record.ejectedUntil = 0;
    record.ejections = 0;
    record.probeInFlight = false;
    this.outliers--;
    this.onChange(target, false, 'a probe call succeeded');
  }

  private recordOf(target: string): BackendRecord {
    let record = this.records.get(target);
    if (record === undefined) {
      record = { failuresInARow: 0, ejections: 0, ejectedUntil: 0, probeInFlight: false };
      this.records.set(target, record);
    }
    return record;
  }
}
