import {
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { BehaviorSubject, type Observable } from 'rxjs';
import { callFailures } from '../errors/call-failures.js';
import { GrpcPoolStartupError } from '../errors/startup.error.js';
import { checkPoolHealth } from '../health/pool-health-check.js';
import { describeChannels } from '../health/startup-diagnosis.js';
import type {
  GrpcPoolHealthOptions,
  GrpcPoolHealthResult,
} from '../interfaces/health-options.interface.js';
import { poolDisplayName } from '../errors/pool-label.js';
import type {
  GrpcPoolClientOptions,
  GrpcPoolName,
} from '../interfaces/client-options.interface.js';
import type { GrpcPoolState, GrpcPoolStats } from '../interfaces/stats.interface.js';
import type {
  GrpcServiceDefinition,
  PooledAsyncService,
} from '../interfaces/pooled-async-service.interface.js';
import type { ResolvedClientOptions } from '../options/resolve-client-options.js';
import type { ChannelPool } from '../pool/channel-pool.js';
import type { ServiceCatalog } from '../proto/service-catalog.js';
import type { CallAdmission } from '../call/call-admission.js';
import type { CallMetrics } from '../telemetry/call-metrics.js';
import type { CallContext } from '../call/call-context.js';
import { createCallbackClient } from '../facades/callback/callback-client.js';
import type { PoolEventLog } from './pool-event-log.js';
import type { PoolDiscovery } from '../discovery/pool-discovery.js';
import { poolState } from './pool-state.js';
import { waitForStartupState } from './startup-wait.js';
import { createServiceFacade } from '../facades/observable/service-facade.js';
import { createAsyncServiceFacade } from '../facades/async/async-service-facade.js';
import { checkDefinitionMethods, definitionName } from '../facades/async/service-definition.js';
import type { PoolTelemetry } from '../telemetry/pool-telemetry.js';
import { buildGrpcPoolParts, type GrpcPoolParts } from './grpc-pool-parts.js';

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
  private readonly metrics: CallMetrics;
  private readonly context: CallContext;
  private readonly services = new Map<string, object>();
  private readonly asyncServices = new Map<string, object>();
  private readonly callbackClients = new Map<string, object>();
  private readonly events: PoolEventLog;
  private readonly admission: CallAdmission;
  private readonly telemetry: PoolTelemetry;
  private readonly discovery: PoolDiscovery;
  /** What the health check reads; the same parts as the fields above. */
  private readonly parts: GrpcPoolParts;
  private readonly stateSubject = new BehaviorSubject<GrpcPoolState>('connecting');
  private opened = false;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** Validates the options and loads the protos; throws `GrpcPoolOptionsError`. Opens nothing yet. */
  constructor(options: GrpcPoolClientOptions) {
    const parts = buildGrpcPoolParts(options, () => this.refreshState());
    this.parts = parts;
    this.name = options.name;
    this.state$ = this.stateSubject.asObservable();
    this.options = parts.options;
    this.catalog = parts.catalog;
    this.pool = parts.pool;
    this.metrics = parts.metrics;
    this.context = parts.context;
    this.events = parts.events;
    this.admission = parts.admission;
    this.telemetry = parts.telemetry;
    this.discovery = parts.discovery;
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
   * The pool's health as `@nestjs/terminus` 12 takes it: `{ [key]: { status, ... } }`,
   * `degraded` included (unless `degradedAs`); with terminus 11, which drops that
   * status, use `GrpcPoolHealthIndicator`, which reports it as terminus 11 can.
   * With `remote`, also asks the server (`grpc.health.v1.Health/Check`)
   * through one of the pool's channels, bounded by `timeoutMs`.
   */
  checkHealth(options?: GrpcPoolHealthOptions): Promise<GrpcPoolHealthResult> {
    return checkPoolHealth(this, this.parts, options);
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
    const channels = await describeChannels(this.pool);
    // A pool that stops the app from starting must not keep its process alive either.
    await this.close();
    throw new GrpcPoolStartupError(this.name, this.options.targets, channels, timeoutMs);
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
