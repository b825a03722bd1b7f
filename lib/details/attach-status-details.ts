import type { ServiceError } from '@grpc/grpc-js';
import type { GrpcStatusDetail } from '../interfaces/status-details.interface.js';
import { decodeStatusDetails, STATUS_DETAILS_KEY } from './status-details-codec.js';

/**
 * Puts the server's decoded `google.rpc.Status` details on the error as
 * `statusDetails`, leaving `code`, `details` and `metadata` as they are.
 * Not enumerable, like the trailer it comes from: `JSON.stringify(error)`
 * and loggers that walk an error's keys do not print it.
 */
export function attachStatusDetails(error: ServiceError): ServiceError {
  if (error.metadata === undefined || error.metadata.get(STATUS_DETAILS_KEY).length === 0) {
    return error;
  }
  const details = decodeStatusDetails(error.metadata);
  if (details !== undefined) {
    Object.defineProperty(error, 'statusDetails', {
      value: details,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  return error;
}

/**
 * The `google.rpc` error details a failed call's server sent
 * (`grpc-status-details-bin`), decoded; empty when it sent none or the
 * trailer could not be read.
 * @publicApi
 */
export function statusDetailsOf(error: unknown): GrpcStatusDetail[] {
  if (typeof error !== 'object' || error === null) return [];
  const details = (error as { statusDetails?: unknown }).statusDetails;
  return Array.isArray(details) ? (details as GrpcStatusDetail[]) : [];
}
