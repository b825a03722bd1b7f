import { connectivityState } from '@grpc/grpc-js';
import {
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { BehaviorSubject, type Observable } from 'rxjs';
import { callFailures } from '../errors/call-failures.js';
import { GrpcPoolStartupError } from '../errors/startup.error.js';
import { resolveHealthSettings } from '../health/health-settings.js';
import { poolHealth } from '../health/pool-health.js';
import { checkRemoteHealth, type RemoteHealthOutcome } from '../health/remote-health-check.js';
import type {
  GrpcPoolHealthOptions,
  GrpcPoolHealthResult,
} from '../interfaces/health-options.interface.js';
import { poolDisplayName, poolLabel } from '../errors/pool-label.js';
import type {
  GrpcPoolClientOptions,
  GrpcPoolName,
} from '../interfaces/client-options.interface.js';
import type { GrpcPoolState, GrpcPoolStats } from '../interfaces/stats.interface.js';
import type {
  GrpcServiceDefinition,
  PooledAsyncService,
} from '../interfaces/pooled-async-service.interface.js';
import { buildChannelArguments } from '../options/channel-arguments.js';
import {
  resolveClientOptions,
  type ResolvedClientOptions,
} from '../options/resolve-client-options.js';
import { ChannelPool } from '../pool/channel-pool.js';
import { OutlierDetector } from '../pool/outlier-detector.js';
import { PooledChannel } from '../pool/pooled-channel.js';
import { checkMethodKeys } from '../proto/method-settings.js';
import { ServiceCatalog } from '../proto/service-catalog.js';
import { RetryBudgets } from '../policies/retry-budgets.js';
import { OptionRules } from '../options/option-rules.js';
import { CallAdmission } from '../call/call-admission.js';
import { CallMetrics } from '../telemetry/call-metrics.js';
import type { CallContext } from '../call/call-context.js';
import { createCallbackClient } from '../facades/callback/callback-client.js';
import { PoolEventLog } from './pool-event-log.js';
import { PoolDiscovery } from '../discovery/pool-discovery.js';
import { poolState } from './pool-state.js';
import { waitForStartupState } from './startup-wait.js';
import { createServiceFacade } from '../facades/observable/service-facade.js';
import { createAsyncServiceFacade } from '../facades/async/async-service-facade.js';
import { checkDefinitionMethods, definitionName } from '../facades/async/service-definition.js';
import { PoolTelemetry } from '../telemetry/pool-telemetry.js';
import { wantForwarding } from '../context/forwarding-wanted.js';
import { gaugeSourceOf } from '../telemetry/pool-gauges.js';

/** How long start-up diagnostics wait for grpc-js to say why a channel fails. */
const DIAGNOSIS_TIMEOUT_MS = 250;

/**
 * A pooled gRPC client for one remote service (or several services of the
 * same packages). It implements Nest's `ClientGrpc`, so code written for
 * `ClientsModule` works unchanged.
 *
 * Life cycle: `onModuleInit` opens `minChannels` (and with
 * `startup.waitForReady` holds start-up until one is READY);
 * `onApplicationShutdown` runs after Nest's HTTP server has finished its
 * requests, and drains: calls already started finish (up to
 * `drainTimeoutMs`), new ones are refused, then every channel closes.
 * @publicApi
 */
export class GrpcPool
  implements ClientGrpc, OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly name: GrpcPoolName;
  /** The pool's state as it changes: the current one at once, then each change; completes when closed. */
  readonly state$: Observable<GrpcPoolState>;
  private readonly options: ResolvedClientOptions;
  private readonly catalog: ServiceCatalog;
  private readonly pool: ChannelPool;
  private readonly metrics = new CallMetrics();
  private readonly context: CallContext;
  private readonly services = new Map<string, object>();
  private readonly asyncServices = new Map<string, object>();
  private readonly callbackClients = new Map<string, object>();
  private readonly events: PoolEventLog;
  private readonly admission: CallAdmission;
  private readonly telemetry: PoolTelemetry;
  private readonly discovery: PoolDiscovery;
  private readonly stateSubject = new BehaviorSubject<GrpcPoolState>('connecting');
  private opened = false;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** Validates the options and loads the protos; throws `GrpcPoolOptionsError`. Opens nothing yet. */
  constructor(options: GrpcPoolClientOptions) {
    this.options = resolveClientOptions(options);
    if (this.options.forwardMetadata.length > 0) wantForwarding();
    this.name = options.name;
    const label = poolLabel(this.name);
    this.events = new PoolEventLog(poolDisplayName(this.name), this.options.targets);
    this.admission = new CallAdmission(label);
    this.state$ = this.stateSubject.asObservable();
    this.catalog = new ServiceCatalog(
      this.name,
      this.options.packageDefinition,
      this.options.packageNames,
    );
    checkMethodKeys(new OptionRules(this.name), options.methods, this.catalog);
    const { outlierDetection, maxChannels, dns } = this.options.limits;
    this.discovery = new PoolDiscovery(
      {
        displayName: poolDisplayName(this.name),
        targets: this.options.targets,
        maxChannels,
        dns,
        secure: this.options.secure,
      },
      (change) => {
        this.context.budgets.retain((address) => this.discovery.addresses.has(address));
        this.pool.addressesChanged(change);
      },
      () => this.refreshState(),
    );
    const { addresses } = this.discovery;
    const outliers =
      outlierDetection === false ||
      (this.options.targets.length < 2 && !this.discovery.followsNames)
        ? undefined
        : new OutlierDetector(
            () => addresses.all.length,
            outlierDetection,
            (target, ejected, detail) => {
              this.events.backendEjected(target, ejected, detail);
              if (ejected) this.telemetry.backendEjected();
              this.pool.outliersChanged();
              this.refreshState();
            },
          );
    if (outliers !== undefined) addresses.avoid((address) => outliers.blocks(address));
    this.pool = new ChannelPool({
      label,
      outliers,
      addresses,
      subsetRotationMs: this.discovery.subsetRotationMs,
      limits: this.options.limits,
      createChannel: (id, address, onState) =>
        new PooledChannel(
          id,
          address,
          this.options.credentials,
          this.discovery.channelArguments(address, buildChannelArguments(options, address)),
          onState,
        ),
      onStateChange: (channel, state) => {
        if (state === connectivityState.TRANSIENT_FAILURE) this.discovery.channelFailed();
        this.refreshState();
      },
      onChannelReplaced: (channel, reason, trouble, kind) => {
        this.events.channelReplaced(channel, reason, trouble, kind);
        this.telemetry.channelReplaced(kind);
      },
    });
    // Last: it registers with exporters, which nothing may leave half-done if the constructor throws.
    this.telemetry = new PoolTelemetry(
      this.name,
      this.options.telemetry,
      this.options.targets.join(','),
      this.metrics,
      gaugeSourceOf(poolDisplayName(this.name), this.pool),
    );
    const { ratio, minPerSecond } = this.options.limits.retryBudget;
    this.context = {
      label,
      pool: this.pool,
      metrics: this.metrics,
      options: this.options,
      budgets: new RetryBudgets(ratio, minPerSecond),
      admission: this.admission,
      telemetry: this.telemetry,
    };
  }

  /** The methods of `service` as cold Observables, like `ClientGrpc.getService`. */
  getService<T extends object>(service: string): T {
    let facade = this.services.get(service);
    if (facade === undefined) {
      facade = createServiceFacade(this.context, this.catalog.get(service));
      this.services.set(service, facade);
    }
    return facade as T;
  }

  /**
   * The methods of `service` for async/await: unary and client-streaming
   * methods return a `Promise`, server-streaming and bidi ones an
   * `AsyncIterable` (the call starts when iteration does). Request streams
   * are any `AsyncIterable`, `Iterable` or Observable, read only as fast as
   * the connection drains. Options as `getService()` takes them, with
   * `signal` to abort. Same names, policies, queue and telemetry.
   *
   * Given a ts-proto generic service definition instead of a name, the
   * service is found by the definition's full name and typed from it.
   */
  getAsyncService<Definition extends GrpcServiceDefinition>(
    definition: Definition,
  ): PooledAsyncService<Definition>;
  getAsyncService<T extends object>(service: string): T;
  getAsyncService(service: string | GrpcServiceDefinition): object {
    const found = this.catalog.get(typeof service === 'string' ? service : definitionName(service));
    let facade = this.asyncServices.get(found.fullName);
    if (facade === undefined) {
      facade = createAsyncServiceFacade(this.context, found);
      this.asyncServices.set(found.fullName, facade);
    }
    if (typeof service !== 'string') {
      checkDefinitionMethods(this.name, found.fullName, service, facade);
    }
    return facade;
  }

  /** A grpc-js style (callback and stream) client of `service` whose calls use the pool's channels. */
  getClientByServiceName<T = unknown>(service: string): T {
    let client = this.callbackClients.get(service);
    if (client === undefined) {
      client = createCallbackClient(
        this.context,
        this.catalog.get(service),
        this.options.source.channelOptions,
      );
      this.callbackClients.set(service, client);
    }
    return client as T;
  }

  /** The services the loaded packages define. */
  serviceNames(): string[] {
    return this.catalog.names();
  }

  /** `connecting`, `ready`, `degraded` (some channels failing), `down` (all failing), `draining` or `closed`. */
  get state(): GrpcPoolState {
    return this.refreshState();
  }

  stats(): GrpcPoolStats {
    const channels = this.pool.channelStats();
    return {
      name: poolDisplayName(this.name),
      state: this.refreshState(channels),
      channels,
      inFlight: this.pool.inFlight,
      queued: this.pool.queued,
      ...this.metrics.snapshot(),
      hitRate: this.pool.hitRate(),
      byMethod: this.telemetry.byMethod(),
    };
  }

  /**
   * The pool's health as `@nestjs/terminus` takes it: `{ [key]: { status, ... } }`.
   * With `remote`, also asks the server (`grpc.health.v1.Health/Check`)
   * through one of the pool's channels, bounded by `timeoutMs`.
   */
  async checkHealth(options?: GrpcPoolHealthOptions): Promise<GrpcPoolHealthResult> {
    const settings = resolveHealthSettings(this.name, options);
    let remote: RemoteHealthOutcome | undefined;
    const state = this.refreshState();
    if (
      settings.remoteService !== undefined &&
      state !== 'down' &&
      this.admission.phase === 'open'
    ) {
      remote = await this.checkRemote(settings.remoteService, settings.timeoutMs);
    }
    return poolHealth(settings, {
      stats: this.stats(),
      targets: this.options.targets,
      lastError: this.metrics.lastUnavailable,
      readySince: this.events.readySince,
      remote,
      discoveryTrouble: this.discovery.trouble(),
    });
  }

  /**
   * Nest calls this at start-up: resolve the DNS names the pool follows
   * (bounded), open `minChannels` channels, and wait for one if
   * `startup.waitForReady`. Calling it again returns the same promise.
   */
  onModuleInit(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    if (this.admission.phase !== 'open') return;
    this.telemetry.open();
    const { waitForReady, timeoutMs } = this.options.startup;
    const startedAt = Date.now();
    if (this.discovery.followsNames) {
      // Channels open on the addresses found, not on a name that is about to be replaced;
      // a DNS server that does not answer holds start-up no longer than startup.timeoutMs.
      await this.discovery.start(timeoutMs);
      if (this.admission.phase !== 'open') return;
    }
    this.opened = true;
    this.pool.open(waitForReady ? 1 : 0);
    this.events.opened(this.pool.channelStats().length, this.options.secure);
    this.refreshState();
    if (waitForReady) await this.waitUntilReady(timeoutMs, Date.now() - startedAt);
  }

  /**
   * Nest calls this when shutdown begins, before its HTTP server closes. The
   * pool keeps serving (requests in flight still need it); it only stops
   * warning about backends that go away, as they often shut down alongside.
   */
  beforeApplicationShutdown(): void {
    this.events.shutdownBegan();
  }

  /** Nest calls this once the app has stopped taking requests (its HTTP server has closed). */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /**
   * Stops taking calls, lets the calls in flight finish (up to
   * `drainTimeoutMs`, then cancels them), and closes every channel. Later
   * calls fail with UNAVAILABLE. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.drainThenClose();
    return this.closing;
  }

  private async drainThenClose(): Promise<void> {
    this.admission.stopAdmitting();
    this.refreshState();
    const running = this.admission.size;
    if (running > 0) {
      const { drainTimeoutMs } = this.options;
      this.events.draining(running, drainTimeoutMs);
      const cancelled = await this.admission.drain(drainTimeoutMs, () =>
        callFailures.closedDuringShutdown(this.context.label, drainTimeoutMs),
      );
      if (cancelled !== undefined) this.events.cancelledAtDrainEnd(cancelled, drainTimeoutMs);
    }
    this.admission.markClosed();
    this.discovery.stop();
    this.pool.close();
    this.telemetry.close();
    this.refreshState();
    this.stateSubject.complete();
  }

  /** `spentMs`: of `timeoutMs`, what the first resolution already took. */
  private async waitUntilReady(timeoutMs: number, spentMs: number): Promise<void> {
    const outcome = await waitForStartupState(this.state$, timeoutMs, spentMs);
    if (outcome !== 'timed out') return;
    const channels = await this.describeChannels();
    // A pool that stops the app from starting must not keep its process alive either.
    await this.close();
    throw new GrpcPoolStartupError(this.name, this.options.targets, channels, timeoutMs);
  }

  /** Each channel's target and state; for a failing one, the connection error grpc-js reports. */
  private describeChannels(): Promise<string[]> {
    return Promise.all(
      this.pool.openChannels.map(async (channel) => {
        const { target, state } = channel.stats();
        if (state !== 'TRANSIENT_FAILURE') return `${target} is ${state}`;
        const { error } = await checkRemoteHealth(channel.client, '', DIAGNOSIS_TIMEOUT_MS);
        return error === undefined ? `${target} is ${state}` : `${target} is ${state} (${error})`;
      }),
    );
  }

  private async checkRemote(service: string, timeoutMs: number): Promise<RemoteHealthOutcome> {
    // A probe never queues behind the app's calls: it may go one past a channel's cap.
    const lease = this.pool.acquireNow();
    try {
      return await checkRemoteHealth(lease.channel.client, service, timeoutMs);
    } finally {
      lease.release();
    }
  }

  /** Recomputes the state; publishes and logs a change. */
  private refreshState(channels = this.pool.channelStats()): GrpcPoolState {
    let next = poolState(this.admission.phase, this.opened, channels);
    const trouble = this.discovery.trouble();
    if (next === 'ready' && trouble !== undefined) next = 'degraded';
    const previous = this.stateSubject.value;
    if (next !== previous && !this.stateSubject.closed) {
      this.stateSubject.next(next);
      this.events.stateChanged(next, this.metrics.lastUnavailable?.message, trouble);
    }
    return next;
  }
}
