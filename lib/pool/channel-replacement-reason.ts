/**
 * Why the pool replaced a channel, as a metric label. The pool owns this
 * vocabulary (it decides the replacements); telemetry's sinks import it from
 * here, so the pool needs nothing from telemetry/.
 */
export type ChannelReplacementReason = 'connect_timeout' | 'failing' | 'max_age' | 'rebalance';
