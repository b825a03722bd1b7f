import { Metadata } from '@grpc/grpc-js';
import { fromJSON, type ServiceDefinition } from '@grpc/proto-loader';
import { CallAdmission } from '../../lib/call/call-admission.js';
import type { CallContext } from '../../lib/call/call-context.js';
import { CallMetrics } from '../../lib/telemetry/call-metrics.js';
import type { CallObserver } from '../../lib/call/call-observer.js';
import type { CallSink } from '../../lib/call/call-sink.js';
import type { CallStarter } from '../../lib/call/call-starters.js';
import { PooledCall } from '../../lib/call/pooled-call.js';
import type { PreparedCall } from '../../lib/call/prepare-call.js';
import type { GrpcPoolChannelOptions } from '../../lib/interfaces/pool-options.interface.js';
import { RetryBudgets } from '../../lib/policies/retry-budgets.js';
import { ChannelPool, type ChannelPoolConfig } from '../../lib/pool/channel-pool.js';
import type { PoolMethod } from '../../lib/proto/service-catalog.js';
import { MethodTelemetry } from '../../lib/telemetry/method-telemetry.js';
import { gaugeSourceOf } from '../../lib/telemetry/pool-gauges.js';
import { PoolTelemetry } from '../../lib/telemetry/pool-telemetry.js';
import {
  unconnectedClientOptions,
  unconnectedPool,
  UNCONNECTED_TARGET,
} from './unconnected-pool.js';

// For the PooledCall specs on a fake clock: the real PooledCall, with the
// context a client gives its calls, on a real pool whose channels never
// connect. Only the grpc-js call is replaced: the starter hands each
// attempt's sink to the spec, which ends the attempt the way grpc-js would.

/** A one-method service (`test.Echo/Say`), loaded the way protos are, so the method is a real definition. */
const ECHO = fromJSON({
  nested: {
    test: {
      nested: {
        Echo: { methods: { Say: { requestType: 'Msg', responseType: 'Msg', comment: '' } } },
        Msg: { fields: {} },
      },
    },
  },
});
const SAY: PoolMethod = (ECHO['test.Echo'] as ServiceDefinition).Say;

/** A call's prepared parts as `prepareCall()` leaves them when the caller set nothing but these. */
export function preparedCall(
  parts: Pick<PreparedCall, 'deadline' | 'retry'> & Partial<PreparedCall>,
): PreparedCall {
  return {
    metadata: new Metadata(),
    callOptions: {},
    idempotent: true,
    interceptors: [],
    ...parts,
  };
}

export class FakeWireCalls<P extends ChannelPool = ChannelPool> {
  /** Each attempt's sink and the time it was sent, in order. */
  readonly attempts: { sink: CallSink<object>; at: number }[] = [];
  readonly metrics = new CallMetrics();
  readonly pool: P;
  readonly context: CallContext;
  private readonly telemetry = new MethodTelemetry(this.metrics, [], undefined);
  private readonly start: CallStarter = (
    _client,
    _method,
    _request,
    _requests,
    _prepared,
    sink,
  ) => {
    this.attempts.push({ sink, at: Date.now() });
    return { cancel: () => undefined };
  };

  /** A client named `name` with `limits`; `Pool` lets a spec count what the pool is asked. */
  constructor(
    name: string,
    setup: {
      limits?: GrpcPoolChannelOptions;
      budgets?: RetryBudgets;
      Pool?: new (config: ChannelPoolConfig) => P;
    } = {},
  ) {
    const options = unconnectedClientOptions(name, setup.limits);
    this.pool = unconnectedPool(options, setup.Pool);
    this.context = {
      label: name,
      pool: this.pool,
      metrics: this.metrics,
      options,
      budgets: setup.budgets ?? new RetryBudgets(0.2, 10),
      admission: new CallAdmission(name),
      telemetry: new PoolTelemetry(
        name,
        options.telemetry,
        UNCONNECTED_TARGET,
        this.metrics,
        gaugeSourceOf(name, this.pool),
      ),
    };
  }

  /** A call of the one method, as a facade makes it; the spec opens it. */
  newCall(prepared: PreparedCall, observer: CallObserver<object>): PooledCall {
    return new PooledCall(
      this.context,
      SAY,
      this.start,
      {},
      undefined,
      prepared,
      observer,
      performance.now(),
      this.telemetry,
    );
  }

  close(): void {
    this.pool.close();
    this.context.telemetry.close();
  }
}
