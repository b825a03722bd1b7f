import { Metadata, status } from '@grpc/grpc-js';
import { ODD_STATUS_HEADER, ODD_STATUS_MESSAGE } from './odd-status-server.js';

/** `grpc-status` trailers no gRPC server sends: too large, negative, not a number, not an integer. */
export const ODD_STATUSES = ['50000000', '-1', 'abc', '2.5'] as const;

/** Sixty distinct codes above 16, as a backend (or something in front of it) could cycle through. */
export const MANY_UNKNOWN_CODES = Array.from({ length: 60 }, (_, i) => String(1000 + i));

/** The 17 names gRPC gives its codes (`OK` .. `UNAUTHENTICATED`), as stats() and OpenTelemetry use them. */
export const GRPC_CODE_NAMES: readonly string[] = Object.keys(status).filter((key) =>
  Number.isNaN(Number(key)),
);

/** The metadata that asks the odd-status server for `grpcStatus`. */
export function askingFor(grpcStatus: string): Metadata {
  const metadata = new Metadata();
  metadata.set(ODD_STATUS_HEADER, grpcStatus);
  return metadata;
}

/** What the details must say about the status received: the value, or that it was no number. */
export function receivedNote(grpcStatus: string): string {
  return Number.isNaN(Number(grpcStatus))
    ? 'received a grpc-status that is not a number'
    : `received grpc-status ${grpcStatus}, not a gRPC code`;
}

/** The details a caller gets for `grpcStatus`: the server's message, then what was received. */
export function oddStatusDetails(grpcStatus: string): string {
  return `${ODD_STATUS_MESSAGE} (${receivedNote(grpcStatus)})`;
}
