import { status } from '@grpc/grpc-js';

/** A status's name as OpenTelemetry's `grpc.status` has it: `OK`, `DEADLINE_EXCEEDED`. */
export function statusName(code: status): string {
  return status[code] ?? String(code);
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
  return GO_CODE_NAMES[code] ?? `Code(${code})`;
}
