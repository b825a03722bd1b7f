import type { ServiceError } from '@grpc/grpc-js';
import { statusDetailsOf } from '../details/attach-status-details.js';
import type {
  GrpcBadRequest,
  GrpcDuration,
  GrpcErrorInfo,
  GrpcRetryInfo,
  GrpcStatusDetail,
} from '../interfaces/status-details.interface.js';

/** What the server's rich error details add to an HTTP answer. */
export interface DetailsAnswer {
  /** A `BadRequest`'s violations, on a 400. */
  fieldViolations?: { field: string; description: string }[];
  /** An `ErrorInfo`'s machine-readable reason (`OUT_OF_STOCK`). */
  reason?: string;
  /** A `RetryInfo`'s delay in whole seconds, for `Retry-After` on a 429 or 503. */
  retryAfterSeconds?: number;
}

const RPC = 'type.googleapis.com/google.rpc.';

function find<T extends GrpcStatusDetail>(
  details: GrpcStatusDetail[],
  name: string,
): T | undefined {
  return details.find((detail) => detail['@type'] === `${RPC}${name}`) as T | undefined;
}

/** Whole seconds, rounded up (Retry-After takes no fractions), or undefined for a delay that is not one. */
function wholeSeconds(delay: GrpcDuration | null | undefined): number | undefined {
  if (delay === null || delay === undefined) return undefined;
  const seconds = delay.seconds + delay.nanos / 1e9;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

/**
 * The parts of the server's details an HTTP client may see: field
 * violations of a bad request, the error's reason, when to retry. Never a
 * `DebugInfo` (stack traces), and nothing else the server sent: the body
 * names only fields the filter chose.
 */
export function detailsAnswer(
  error: ServiceError,
  httpStatus: number,
  showReason: boolean,
): DetailsAnswer {
  const details = statusDetailsOf(error);
  if (details.length === 0) return {};
  const answer: DetailsAnswer = {};
  const badRequest = find<GrpcBadRequest>(details, 'BadRequest');
  if (httpStatus === 400 && Array.isArray(badRequest?.fieldViolations)) {
    answer.fieldViolations = badRequest!.fieldViolations.map(({ field, description }) => ({
      field,
      description,
    }));
  }
  const reason = find<GrpcErrorInfo>(details, 'ErrorInfo')?.reason;
  if (showReason && reason) answer.reason = reason;
  if (httpStatus === 429 || httpStatus === 503) {
    answer.retryAfterSeconds = wholeSeconds(find<GrpcRetryInfo>(details, 'RetryInfo')?.retryDelay);
  }
  return answer;
}
