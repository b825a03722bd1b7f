import { status } from '@grpc/grpc-js';
import { isGrpcStatusCode } from '../errors/is-grpc-status-code.js';

/** Slots of a tally by code: one per gRPC code. */
export const GRPC_CODE_COUNT = status.UNAUTHENTICATED + 1;

/**
 * The slot a tally counts `code` in. Codes reach telemetry normalised
 * (call/wire-status.ts); this keeps a tally a fixed 17 slots and a label
 * set within 17 values even if one did not: never an array sized or a
 * series named by a number a backend chose.
 */
export function codeSlot(code: number): status {
  return isGrpcStatusCode(code) ? code : status.UNKNOWN;
}

/** A status's name as OpenTelemetry's `grpc.status` has it: `OK`, `DEADLINE_EXCEEDED`. */
export function statusName(code: status): string {
  return status[codeSlot(code)];
}

/**
 * A status's name as go-grpc-prometheus labels it (Go's `codes.Code.String()`):
 * `OK`, `DeadlineExceeded`. Public Grafana dashboards for gRPC select on
 * these (`grpc_code!="OK"`), so they work unchanged.
 */
const GO_CODE_NAMES: readonly string[] = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

export function goCodeName(code: status): string {
  return GO_CODE_NAMES[codeSlot(code)];
}
