import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { asServiceError } from './as-service-error.js';

/** What the relay asks of the call whose response metadata it reports. */
export interface MetadataReceivingCall {
  /** The outcome reached the caller (or a callback ended the call): nothing more may reach it. */
  isOver(): boolean;
  /** The call fails with `error` (a caller's `onHeader` or `onTrailer` threw it). */
  fail(error: ServiceError): void;
}

/**
 * Reports the response headers and trailers of the attempt the caller gets
 * to its `onHeader` and `onTrailer`. Headers are held while a retry could
 * still replace the attempt, so the caller only ever sees the delivered
 * attempt's. Made only for calls that set one of the two callbacks.
 */
export class ResponseMetadataRelay {
  /** The current attempt's response headers, held for `onHeader` while a retry could still replace it. */
  private heldHeaders: Metadata | undefined;
  /** The current attempt's trailers, for `onTrailer` once its outcome is delivered. */
  private trailers: Metadata | undefined;

  constructor(
    private readonly onHeader: ((metadata: Metadata) => void) | undefined,
    private readonly onTrailer: ((metadata: Metadata) => void) | undefined,
    private readonly call: MetadataReceivingCall,
  ) {}

  /** Headers wait to be reported (a response message reports them first). */
  get holdsHeaders(): boolean {
    return this.heldHeaders !== undefined;
  }

  /** A new attempt starts, or a retry replaces the failed one: its metadata is not the call's. */
  forgetAttempt(): void {
    this.heldHeaders = undefined;
    this.trailers = undefined;
  }

  /** Holds the attempt's headers; false when there is no `onHeader` to report them to. */
  holdHeaders(headers: Metadata): boolean {
    if (this.onHeader === undefined) return false;
    this.heldHeaders = headers;
    return true;
  }

  trailersArrived(trailers: Metadata): void {
    this.trailers = trailers;
  }

  /** The delivered attempt's held headers then trailers go to the caller; false if a callback ended the call. */
  reportAll(): boolean {
    if (this.heldHeaders !== undefined && !this.reportHeaders()) return false;
    const trailers = this.trailers;
    const { onTrailer } = this;
    if (trailers === undefined || onTrailer === undefined) return true;
    this.trailers = undefined;
    return this.runCallback(onTrailer, trailers);
  }

  /** The held headers go to `onHeader`; false if it ended the call. */
  reportHeaders(): boolean {
    const headers = this.heldHeaders!;
    this.heldHeaders = undefined;
    return this.runCallback(this.onHeader!, headers);
  }

  /**
   * A caller's callback that throws fails the call with its error (the teardown cancels the
   * attempt). False when the call is over after it: it threw, or it ended the call itself (aborted
   * the call's signal, broke out of its loop), so nothing more may reach the caller.
   */
  private runCallback(callback: (metadata: Metadata) => void, metadata: Metadata): boolean {
    try {
      callback(metadata);
    } catch (error: unknown) {
      this.trailers = undefined;
      this.call.fail(asServiceError(error, status.UNKNOWN));
      return false;
    }
    return !this.call.isOver();
  }
}
