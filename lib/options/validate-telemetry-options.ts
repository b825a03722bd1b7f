import type {
  GrpcPrometheusOptions,
  GrpcTelemetryOptions,
} from '../interfaces/telemetry-options.interface.js';
import { keysOf } from './keys-of.js';
import { describe, isPlainObject, type OptionRules } from './option-rules.js';

const TELEMETRY_KEYS = keysOf<GrpcTelemetryOptions>({
  metrics: true,
  tracing: true,
  messageSizes: true,
});
const PROMETHEUS_KEYS = keysOf<GrpcPrometheusOptions>({ registry: true, buckets: true });
/** More buckets than this is a typo or a cardinality accident: each is a series per label set. */
const MAX_BUCKETS = 64;

/** `telemetry`: a boolean, or `{ metrics?, tracing? }` of booleans. */
export function validateTelemetry(rules: OptionRules, value: unknown): void {
  if (value === undefined || typeof value === 'boolean') return;
  if (!isPlainObject(value)) {
    rules.fail(
      'telemetry',
      `must be a boolean or { metrics?, tracing?, messageSizes? } (got ${describe(value)})`,
    );
  }
  rules.knownKeys(value, 'telemetry', TELEMETRY_KEYS);
  const { metrics, tracing, messageSizes } = value as Record<string, unknown>;
  rules.boolean(metrics, 'telemetry.metrics');
  rules.boolean(tracing, 'telemetry.tracing');
  rules.boolean(messageSizes, 'telemetry.messageSizes');
}

/** `prometheus`: a boolean, or `{ registry?, buckets? }` with a prom-client registry and increasing bounds. */
export function validatePrometheus(rules: OptionRules, value: unknown, field = 'prometheus'): void {
  if (value === undefined || typeof value === 'boolean') return;
  if (!isPlainObject(value)) {
    rules.fail(field, `must be a boolean or { registry?, buckets? } (got ${describe(value)})`);
  }
  rules.knownKeys(value, field, PROMETHEUS_KEYS);
  const { registry, buckets } = value as Record<string, unknown>;
  if (registry !== undefined) {
    const methods = registry as { registerMetric?: unknown; getSingleMetric?: unknown };
    if (
      !isPlainObject(registry) ||
      typeof methods.registerMetric !== 'function' ||
      typeof methods.getSingleMetric !== 'function'
    ) {
      rules.fail(
        `${field}.registry`,
        `must be a prom-client Registry, e.g. new Registry() (got ${describe(registry)})`,
      );
    }
  }
  if (buckets === undefined) return;
  if (!Array.isArray(buckets) || buckets.length === 0 || buckets.length > MAX_BUCKETS) {
    rules.fail(
      `${field}.buckets`,
      `must be an array of 1 to ${MAX_BUCKETS} bucket bounds in seconds (got ${describe(buckets)})`,
    );
  }
  // An index loop, not forEach: a sparse array's holes must fail too (forEach skips them).
  for (let i = 0; i < buckets.length; i++) {
    const bound: unknown = buckets[i];
    const previous = i === 0 ? 0 : (buckets[i - 1] as number);
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound <= previous) {
      rules.fail(
        `${field}.buckets[${i}]`,
        `must be a finite number of seconds greater than ${previous} (bounds increase) (got ${describe(bound)})`,
      );
    }
  }
}
