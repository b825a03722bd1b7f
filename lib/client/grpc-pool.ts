import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { poolDisplayName, poolLabel } from '../errors/pool-label.js';
import type {
  GrpcPoolClientOptions,
  GrpcPoolName,
} from '../interfaces/client-options.interface.js';
import type {
  GrpcChannelStats,
  GrpcPoolState,
  GrpcPoolStats,
} from '../interfaces/stats.interface.js';
import { buildChannelArguments } from '../options/channel-arguments.js';
import {
  resolveClientOptions,
  type ResolvedClientOptions,
} from '../options/resolve-client-options.js';
import { ChannelPool } from '../pool/channel-pool.js';
import { PooledChannel } from '../pool/pooled-channel.js';
import { checkMethodKeys } from '../proto/method-settings.js';
import { ServiceCatalog } from '../proto/service-catalog.js';
import { RetryBudgets } from '../policies/retry-budgets.js';
import { OptionRules } from '../options/option-rules.js';
import { CallMetrics } from './call-metrics.js';
import type { CallContext } from './call-context.js';
import { createCallbackClient } from './callback-client.js';
import { createServiceFacade } from './service-facade.js';

/**
 * A pooled gRPC client for one remote service (or several services of the
 * same packages). It implements Nest's `ClientGrpc`, so code written for
 * `ClientsModule` works unchanged.
 * @publicApi
 */
export class GrpcPool implements ClientGrpc, OnModuleInit, OnApplicationShutdown {
  readonly name: GrpcPoolName;
  private readonly options: ResolvedClientOptions;
  private readonly catalog: ServiceCatalog;
  private readonly pool: ChannelPool;
  private readonly metrics = new CallMetrics();
  private readonly context: CallContext;
  private readonly services = new Map<string, object>();
  private readonly callbackClients = new Map<string, object>();
  private readonly logger: Logger;

  /** Validates the options and loads the protos; throws `GrpcPoolOptionsError`. Opens nothing yet. */
  constructor(options: GrpcPoolClientOptions) {
    this.options = resolveClientOptions(options);
    this.name = options.name;
    const label = poolLabel(this.name);
    this.logger = new Logger(`GrpcPool ${poolDisplayName(this.name)}`);
    this.catalog = new ServiceCatalog(
      this.name,
      this.options.packageDefinition,
      this.options.packageNames,
    );
    checkMethodKeys(new OptionRules(this.name), options.methods, this.catalog);
    this.pool = new ChannelPool({
      label,
      targets: this.options.targets,
      limits: this.options.limits,
      createChannel: (id, target) =>
        new PooledChannel(
          id,
          target,
          this.options.credentials,
          buildChannelArguments(options, target),
        ),
    });
    const { ratio, minPerSecond } = this.options.limits.retryBudget;
    this.context = {
      label,
      pool: this.pool,
      metrics: this.metrics,
      options: this.options,
      budgets: new RetryBudgets(ratio, minPerSecond),
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

  /** A grpc-js style (callback and stream) client of `service` whose calls use the pool's channels. */
  getClientByServiceName<T = unknown>(service: string): T {
    let client = this.callbackClients.get(service);
    if (client === undefined) {
      client = createCallbackClient(
        this.catalog.get(service),
        this.pool,
        this.metrics,
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

  get state(): GrpcPoolState {
    return this.pool.isClosed ? 'closed' : overallState(this.pool.channelStats());
  }

  stats(): GrpcPoolStats {
    const channels = this.pool.channelStats();
    return {
      name: poolDisplayName(this.name),
      state: this.pool.isClosed ? 'closed' : overallState(channels),
      channels,
      inFlight: this.pool.inFlight,
      queued: this.pool.queued,
      ...this.metrics.snapshot(),
      hitRate: this.pool.hitRate(),
    };
  }

  /** Nest calls this at start-up: open `minChannels` channels and start connecting. */
  onModuleInit(): void {
    this.pool.open();
    this.logger.log(
      `Opened ${this.pool.channelStats().length} channel(s) to ${this.options.targets.join(', ')}`,
    );
  }

  /** Nest calls this after the app stopped taking requests. */
  onApplicationShutdown(): void {
    this.close();
  }

  /** Closes every channel. Later calls fail with UNAVAILABLE. Safe to call twice. */
  close(): void {
    this.pool.close();
  }
}

/** The pool's condition from its channels' connectivity. */
function overallState(channels: readonly GrpcChannelStats[]): GrpcPoolState {
  const ready = channels.filter((c) => c.state === 'READY').length;
  const failing = channels.filter(
    (c) => c.state === 'TRANSIENT_FAILURE' || c.state === 'SHUTDOWN',
  ).length;
  if (ready > 0) return failing > 0 ? 'degraded' : 'ready';
  if (channels.length > 0 && failing === channels.length) return 'down';
  return 'connecting';
}
