import { connectivityState } from '@grpc/grpc-js';
import { CallAdmission } from '../call/call-admission.js';
import { CallMetrics } from '../telemetry/call-metrics.js';
import type { CallContext } from '../call/call-context.js';
import { PoolDiscovery } from '../discovery/pool-discovery.js';
import { poolDisplayName, poolLabel } from '../errors/pool-label.js';
import { wantForwarding } from '../context/forwarding-wanted.js';
import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import { buildChannelArguments } from '../options/channel-arguments.js';
import { OptionRules } from '../options/option-rules.js';
import type { ResolvedClientOptions } from '../options/resolve-client-options.js';
import { RetryBudgets } from '../policies/retry-budgets.js';
import { ChannelPool } from '../pool/channel-pool.js';
import { OutlierDetector } from '../pool/outlier-detector.js';
import { PooledChannel } from '../pool/pooled-channel.js';
import { checkMethodKeys } from '../proto/method-settings.js';
import { ServiceCatalog } from '../proto/service-catalog.js';
import { gaugeSourceOf } from '../telemetry/pool-gauges.js';
import { PoolTelemetry } from '../telemetry/pool-telemetry.js';
import { resolveClientOptions } from './client-setup.js';
import { PoolEventLog } from './pool-event-log.js';

/** Everything a `GrpcPool` runs on, built and wired to each other. */
export interface GrpcPoolParts {
  options: ResolvedClientOptions;
  catalog: ServiceCatalog;
  events: PoolEventLog;
  admission: CallAdmission;
  metrics: CallMetrics;
  discovery: PoolDiscovery;
  pool: ChannelPool;
  telemetry: PoolTelemetry;
  /** What every call of the pool's facades runs with. */
  context: CallContext;
}

/**
 * Validates `source`, loads the protos and builds the pool's parts; throws
 * `GrpcPoolOptionsError`. Opens nothing yet. `refreshState` is how the parts
 * tell the pool that its state may have changed (a channel, a backend or
 * discovery moved); it is called only once the parts are built.
 */
export function buildGrpcPoolParts(
  source: GrpcPoolClientOptions,
  refreshState: () => void,
): GrpcPoolParts {
  const options = resolveClientOptions(source);
  if (options.forwardMetadata.length > 0) wantForwarding();
  const { name } = source;
  const label = poolLabel(name);
  const displayName = poolDisplayName(name);
  const metrics = new CallMetrics();
  const events = new PoolEventLog(displayName, options.targets);
  const admission = new CallAdmission(label);
  const catalog = new ServiceCatalog(name, options.packageDefinition, options.packageNames);
  checkMethodKeys(new OptionRules(name), source.methods, catalog);
  const { outlierDetection, maxChannels, dns } = options.limits;
  // The callbacks below reach parts built after them; none runs before the pool opens.
  const discovery = new PoolDiscovery(
    { displayName, targets: options.targets, maxChannels, dns, secure: options.secure },
    (change) => {
      context.budgets.retain((address) => discovery.addresses.has(address));
      pool.addressesChanged(change);
    },
    refreshState,
  );
  const { addresses } = discovery;
  const outliers =
    outlierDetection === false || (options.targets.length < 2 && !discovery.followsNames)
      ? undefined
      : new OutlierDetector(
          () => addresses.all.length,
          outlierDetection,
          (target, ejected, detail) => {
            events.backendEjected(target, ejected, detail);
            if (ejected) telemetry.backendEjected();
            pool.outliersChanged();
            refreshState();
          },
        );
  if (outliers !== undefined) addresses.avoid((address) => outliers.blocks(address));
  const pool = new ChannelPool({
    label,
    outliers,
    addresses,
    subsetRotationMs: discovery.subsetRotationMs,
    limits: options.limits,
    createChannel: (id, address, onState) =>
      new PooledChannel(
        id,
        address,
        options.credentials,
        discovery.channelArguments(address, buildChannelArguments(source, address)),
        onState,
      ),
    onStateChange: (channel, state) => {
      if (state === connectivityState.TRANSIENT_FAILURE) discovery.channelFailed();
      refreshState();
    },
    onChannelReplaced: (channel, reason, trouble, kind) => {
      events.channelReplaced(channel, reason, trouble, kind);
      telemetry.channelReplaced(kind);
    },
  });
  // Last: it registers with exporters, which nothing may leave half-done if building throws.
  const telemetry = new PoolTelemetry(
    name,
    options.telemetry,
    options.targets.join(','),
    metrics,
    gaugeSourceOf(displayName, pool),
  );
  const { ratio, minPerSecond } = options.limits.retryBudget;
  const context: CallContext = {
    label,
    pool,
    metrics,
    options,
    budgets: new RetryBudgets(ratio, minPerSecond),
    admission,
    telemetry,
  };
  return { options, catalog, events, admission, metrics, discovery, pool, telemetry, context };
}
