import type { ServiceError } from '@grpc/grpc-js';
import { statusDetailsOf } from '../details/attach-status-details.js';
import type {
  GrpcBadRequest,
  GrpcErrorInfo,
  GrpcRetryInfo,
  GrpcStatusDetail,
} from '../interfaces/status-details.interface.js';
import { retryAfterSeconds } from './retry-after.js';

/** What the server's rich error details add to an HTTP answer. */
export interface DetailsAnswer {
  /** A `BadRequest`'s violations, on a 400. */
  fieldViolations?: { field: string; description: string }[];
  /** An `ErrorInfo`'s machine-readable reason (`OUT_OF_STOCK`). */
  reason?: string;
  /** A `RetryInfo`'s delay in whole seconds (at most a day), for `Retry-After` on a 429 or 503. */
  retryAfterSeconds?: number;
}

const RPC = 'type.googleapis.com/google.rpc.';

function find<T extends GrpcStatusDetail>(
  details: GrpcStatusDetail[],
  name: string,
): T | undefined {
  return details.find((detail) => detail['@type'] === `${RPC}${name}`) as T | undefined;
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
    answer.retryAfterSeconds = retryAfterSeconds(
      find<GrpcRetryInfo>(details, 'RetryInfo')?.retryDelay,
    );
  }
  return answer;
}
