import type { status } from '@grpc/grpc-js';
import type { ChannelReplacementReason } from '../pool/channel-replacement-reason.js';

/** What one attempt sent and received, measured from serialized messages. */
export interface AttemptTraffic {
  sentMessages: number;
  sentBytes: number;
  receivedMessages: number;
  receivedBytes: number;
}

/**
 * Where one method's calls are recorded by an exporter (OpenTelemetry,
 * Prometheus). One instance per method and exporter, made when the method's
 * facade is built, so it holds its labels ready and a call allocates none.
 * Durations are in seconds, as both exporters want them.
 */
export interface MethodMetricSink {
  /** It reads `traffic` in `attemptEnded` or `messages` in `callEnded`: calls must measure them. */
  readonly needsTraffic: boolean;
  callStarted(): void;
  attemptStarted(): void;
  /** The attempt waited this long in the pool's queue for a slot (only attempts that waited). */
  queueWait(seconds: number): void;
  /** The attempt waited this long for its channel to connect (only attempts that waited). */
  connectWait(seconds: number): void;
  attemptEnded(code: status, seconds: number, traffic: AttemptTraffic | undefined): void;
  /** A failed attempt (with `code`) will be retried. */
  retried(code: status): void;
  retryRefusedByBudget(): void;
  /** The call's outcome, with the messages it sent (once, however many attempts) and received. */
  callEnded(code: status, seconds: number, messages: CallMessages | undefined): void;
}

/** Messages as the caller sees them: a retry's resend is not a second message. */
export interface CallMessages {
  sent: number;
  received: number;
}

/** Pool events an exporter counts, besides what it reads from `stats()` when it collects. */
export interface PoolMetricSink {
  /** Makes the sink of one method, e.g. `/orders.v1.Orders/GetOrder`. */
  forMethod(method: MethodIdentity): MethodMetricSink;
  backendEjected(): void;
  channelReplaced(reason: ChannelReplacementReason): void;
  /** The pool opened (Nest initialised it): its gauges are read from now on. */
  open(): void;
  /** The pool closed: stop reading it. */
  close(): void;
}

/** A method's names, as metrics and spans label it. */
export interface MethodIdentity {
  /** `/orders.v1.Orders/GetOrder` */
  path: string;
  /** `orders.v1.Orders` */
  service: string;
  /** `GetOrder` */
  method: string;
  kind: 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';
}
