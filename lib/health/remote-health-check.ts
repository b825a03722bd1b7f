import { Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { errorFromWire } from '../call/wire-status.js';
import {
  decodeServingStatus,
  encodeHealthCheckRequest,
  HEALTH_CHECK_PATH,
  SERVING_STATUS_NAMES,
} from './health-check-codec.js';

/** What the remote said about itself: its serving status, or why it could not be asked. */
export interface RemoteHealthOutcome {
  service: string;
  /** `SERVING`, `NOT_SERVING`, `UNKNOWN`, `SERVICE_UNKNOWN`; absent when the check failed. */
  status?: string;
  /** The check's failure, as `CODE: details`. */
  error?: string;
}

const SERVING = 1;

export function isServing(outcome: RemoteHealthOutcome): boolean {
  return outcome.status === SERVING_STATUS_NAMES[SERVING];
}

/**
 * One `grpc.health.v1.Health/Check` on an existing channel, bounded by
 * `timeoutMs`. It never fails: a failure is part of the outcome. It does
 * not wait for a connection, so a channel in TRANSIENT_FAILURE answers at
 * once with grpc-js's account of the last connection error.
 */
export function checkRemoteHealth(
  client: Client,
  service: string,
  timeoutMs: number,
): Promise<RemoteHealthOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      HEALTH_CHECK_PATH,
      encodeHealthCheckRequest,
      (bytes: Buffer) => decodeServingStatus(bytes),
      service,
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (received: ServiceError | null, servingStatus?: number) => {
        if (received !== null) {
          const error = errorFromWire(received);
          return resolve({ service, error: `${status[error.code]}: ${error.details}` });
        }
        const name = SERVING_STATUS_NAMES[servingStatus ?? 0] ?? `status ${servingStatus}`;
        resolve({ service, status: name });
      },
    );
  });
}
