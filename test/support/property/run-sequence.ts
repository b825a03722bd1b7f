import { status } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import type { GrpcPool, GrpcPoolCallOptions } from '../../../lib/index.js';
import { createEchoPool, type EchoAsyncService, type EchoService } from '../echo-client.js';
import { settlesWithin } from '../hang-guard.js';
import { sleep, waitFor } from '../wait-for.js';
import { CallRecord } from './call-record.js';
import { expectAtStart, type RunState } from './expectations.js';
import { callViolations, closedPoolViolations } from './invariants.js';
import {
  describeOperation,
  mayLastUntilClose,
  type CallOperation,
  type Operation,
} from './operations.js';
import { PoolSampler } from './pool-sampler.js';
import type { PropertyBackend } from './backend.js';
import { FLEET_SIZE } from './dns-backends.js';
import { probeLiveness } from './liveness-probe.js';
import { CALLS_PER_CHANNEL, poolOptionsOf } from './pool-config.js';
import { describeScenario, type Ending, type Scenario } from './scenario.js';
import type { RunCoverage } from './run-coverage.js';
import { startCall } from './start-call.js';

/** A bound for a step that should take milliseconds; only a hang trips it. */
const HANG_GUARD_MS = 10_000;
/** After every call settled: room for a second settlement to show itself (not a measure). */
const SECOND_SETTLEMENT_GRACE_MS = 20;

/** close() lets held calls run this long, then cancels them. */
const DRAIN_TIMEOUT_MS = 200;
/**
 * grpc-js's reconnect backoff, shortened: a backend back up is reconnected to within a second
 * rather than after up to two minutes, which keeps the wait for readiness before the liveness
 * probes inside the budget. It changes when the pool sees a backend again, never whether.
 */
const RECONNECT_BACKOFF = {
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 500,
};

/** Thrown when a run breaks an invariant; its message lists the operations and what broke. */
export class InvariantError extends Error {}

/** Everything one run holds. */
class Run {
  readonly records: CallRecord[] = [];
  readonly state: RunState = { closing: false, backendTrouble: false, sharedAborted: false };
  readonly shared = new AbortController();
  closing: Promise<void> | undefined;
  /** What the liveness probes found wrong (the pool never became ready). */
  readonly liveness: string[] = [];

  constructor(
    readonly pool: GrpcPool,
    readonly backend: PropertyBackend,
    readonly sampler: PoolSampler,
    readonly observable: EchoService,
    readonly async: EchoAsyncService,
  ) {}

  unsettled(): CallRecord[] {
    return this.records.filter((r) => !r.isSettled);
  }

  call(operation: CallOperation): void {
    const { deadline, abort } = operation;
    const controller = abort === 'own' || abort === 'before' ? new AbortController() : undefined;
    if (abort === 'before') controller!.abort();
    const record = new CallRecord(
      this.records.length,
      operation,
      describeOperation(operation),
      abort === 'own' ? controller : undefined,
    );
    this.records.push(record);
    expectAtStart(record, this.state);
    const options: GrpcPoolCallOptions = {};
    if (deadline.is !== 'none') (options as Record<string, unknown>).timeoutMs = deadline.timeoutMs;
    if (controller !== undefined) options.signal = controller.signal;
    if (abort === 'shared') options.signal = this.shared.signal;
    if (abort === 'before' || (abort === 'shared' && this.state.sharedAborted))
      record.aborted = true;
    void record.settled.then(() => this.sampler.sample(`call #${record.index} settled`));
    startCall({ observable: this.observable, async: this.async }, record, options);
  }

  async apply(operation: Operation): Promise<void> {
    switch (operation.op) {
      case 'call':
        return this.call(operation);
      case 'release':
        return this.backend.release();
      case 'abortCall': {
        const own = this.records.filter((r) => r.controller !== undefined);
        if (own.length === 0) return;
        const record = own[operation.nth % own.length];
        record.aborted = true;
        record.disrupt([status.CANCELLED], 'its signal was aborted while it ran');
        record.controller!.abort();
        return;
      }
      case 'abortShared': {
        for (const record of this.records.filter((r) => r.operation.abort === 'shared')) {
          record.aborted = true;
          record.disrupt([status.CANCELLED], 'the shared signal was aborted while it ran');
        }
        this.state.sharedAborted = true;
        this.shared.abort();
        return;
      }
      case 'backendDown':
        this.state.backendTrouble = true;
        for (const record of this.unsettled()) {
          record.disrupt([status.UNAVAILABLE], 'the backend died while it ran');
        }
        await this.backend.down();
        return this.seeDeadBackends();
      case 'backendUp':
        return this.backend.up();
      case 'oneBackendDown':
        this.state.backendTrouble = true;
        for (const record of this.unsettled()) {
          record.disrupt([status.UNAVAILABLE], `backend #${operation.index} died while it ran`);
        }
        await this.backend.downOne!(operation.index);
        return this.seeDeadBackends();
      case 'oneBackendUp':
        return this.backend.upOne!(operation.index);
      case 'pause':
        if (operation.ms === 0) return new Promise((resolve) => setImmediate(resolve));
        return sleep(operation.ms);
      case 'close':
        this.startClosing('close() was called while it ran');
        return;
      case 'dnsMove': {
        const { deadAddress } = this.backend.moveTo!(operation.backends);
        // Calls on a vanished address finish there; only a dead address can fail a call.
        if (deadAddress) {
          this.state.backendTrouble = true;
          for (const record of this.unsettled()) {
            record.disrupt([status.UNAVAILABLE], 'DNS named a dead address while it ran');
          }
        }
        return;
      }
    }
  }

  startClosing(why: string): void {
    if (this.closing !== undefined) return;
    this.state.closing = true;
    for (const record of this.unsettled()) {
      // Refused while draining (UNAVAILABLE), or cancelled when the drain time ran out.
      record.disrupt([status.UNAVAILABLE, status.CANCELLED], why);
    }
    this.closing = this.pool.close();
  }

  /**
   * Unless close() was among the operations, lets every channel come of age, brings the
   * backends back as `ending` says, releases what is held and checks liveness (one backend up, then all); waits for every call that
   * can end by itself; then closes the pool. Whether liveness was probed.
   */
  async finish(ending: Ending, maxConnectionAgeMs: number): Promise<boolean> {
    // Enables, never decides: every channel comes of age at least once with the run's calls
    // still in flight, so the probes meet what rotation left (at the cap, with long streams).
    if (this.closing === undefined) await sleep(maxConnectionAgeMs);
    this.backend.stopHolding();
    const probes = this.closing === undefined;
    if (probes) {
      if (ending.up === 'one') {
        await this.restore([ending.index]);
        await this.probe(`only backend #${ending.index} up`);
      }
      await this.restore(undefined);
      await this.probe('every backend up');
    }
    const canEndByItself = (r: CallRecord): boolean =>
      !(mayLastUntilClose(r.operation) && !r.aborted);
    await waitFor(
      () => this.records.filter(canEndByItself).every((r) => r.isSettled),
      HANG_GUARD_MS,
      'every call that can end without close() to settle',
    ).catch(() => undefined); // a call that never settles is reported by the invariants below
    this.startClosing('close() was called at the end of the run while it ran');
    await settlesWithin(this.closing!, HANG_GUARD_MS, 'close()');
    await waitFor(
      () => this.records.every((r) => r.isSettled),
      HANG_GUARD_MS,
      'every call to settle after close()',
    ).catch(() => undefined);
    await sleep(SECOND_SETTLEMENT_GRACE_MS);
    return probes;
  }

  /**
   * These backends up (undefined: all) and the others dead; a fleet's name answers with every
   * backend again, so only the backends' own state decides what serves.
   */
  private async restore(up: number[] | undefined): Promise<void> {
    const { backend } = this;
    await this.seeDeadBackends();
    if (backend.moveTo !== undefined) {
      const all = Array.from({ length: FLEET_SIZE }, (_, i) => i);
      backend.moveTo(all);
      if (up !== undefined) {
        for (const index of all.filter((i) => !up.includes(i))) {
          for (const record of this.unsettled()) {
            record.disrupt([status.UNAVAILABLE], `backend #${index} died at the end of the run`);
          }
          await backend.downOne!(index);
        }
        await this.seeDeadBackends();
        for (const index of up) await backend.upOne!(index);
        return;
      }
    }
    await backend.up();
  }

  /**
   * Waits until the pool has seen every dead backend's connections die: until then a channel
   * shows READY on a connection whose reset it has not read yet, and a probe placed there
   * would fail for the network's reason, not the pool's. Were the backend brought back first,
   * the stale READY could not be told from a new one; so every operation that kills a
   * backend ends with this wait. Calls in flight meanwhile may fail UNAVAILABLE as before.
   */
  private async seeDeadBackends(): Promise<void> {
    await waitFor(
      () =>
        this.pool
          .stats()
          .channels.every((c) => c.state !== 'READY' || this.backend.serves(c.target)),
      HANG_GUARD_MS,
      'the pool to see that the dead backends died',
    ).catch(() => this.liveness.push('a READY channel to a dead backend for 10 s'));
  }

  private async probe(after: string): Promise<void> {
    if (this.liveness.length > 0) return;
    const facades = { observable: this.observable, async: this.async };
    // The facade each kind goes through changes from probe to probe and run to run.
    const round = this.records.length;
    this.liveness.push(...(await probeLiveness(this.pool, facades, this.records, after, round)));
  }

  violations(): string[] {
    return [
      ...this.liveness,
      ...this.sampler.breaches,
      ...this.records.flatMap(callViolations),
      ...closedPoolViolations(this.pool.stats()),
    ];
  }
}

/** What a property drives: its backend, and the pool options that go with it. */
export interface RunFlavour {
  startBackend(): Promise<PropertyBackend>;
  pool?: Record<string, unknown>;
}

/** Counts the pool's log lines that show a rule at work; the lines themselves are dropped. */
function countRulesAtWork(coverage: RunCoverage | undefined): void {
  const line = (message: unknown): void => coverage?.sawLine(String(message));
  Logger.overrideLogger({ log: line, warn: line, error: line, debug: line, verbose: line });
}

/**
 * Runs one sequence against a fresh backend and pool, and throws an InvariantError listing the
 * operations and every broken invariant. Everything it opens is closed, also when it throws.
 */
export async function runSequence(
  flavour: RunFlavour,
  scenario: Scenario,
  coverage?: RunCoverage,
): Promise<void> {
  const { config, operations } = scenario;
  const backend = await flavour.startBackend();
  const sampler = new PoolSampler({
    maxChannels: config.maxChannels,
    maxConcurrentCallsPerChannel: CALLS_PER_CHANNEL,
  });
  let pool: GrpcPool | undefined;
  coverage?.startRun();
  countRulesAtWork(coverage);
  try {
    pool = createEchoPool(backend.target, {
      pool: { ...poolOptionsOf(config), acquireTimeoutMs: 30_000, ...flavour.pool },
      channelOptions: RECONNECT_BACKOFF,
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
      interceptors: [sampler.interceptor],
    });
    sampler.watch(pool);
    // As Nest does before the app takes calls: with a DNS target, the first resolution is done.
    await settlesWithin(pool.onModuleInit(), HANG_GUARD_MS, 'start-up');
    const run = new Run(
      pool,
      backend,
      sampler,
      pool.getService<EchoService>('EchoService'),
      pool.getAsyncService<EchoAsyncService>('EchoService'),
    );
    for (const [i, operation] of operations.entries()) {
      sampler.sample(`operation ${i} (${describeOperation(operation)})`);
      await run.apply(operation);
    }
    if (await run.finish(scenario.ending, config.maxConnectionAgeMs)) coverage?.probed();
    const problems = run.violations();
    if (problems.length > 0) {
      throw new InvariantError(
        `${problems.length} broken invariant(s):\n  ${problems.join('\n  ')}\n` +
          describeScenario(scenario),
      );
    }
  } finally {
    await pool?.close();
    await backend.close();
    Logger.overrideLogger(false);
  }
}
