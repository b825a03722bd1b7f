import { status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { isGrpcStatusCode } from '../errors/is-grpc-status-code.js';

/**
 * grpc-js ends a connection failure's details with ". Resolution note: "
 * and the resolver's note, which is empty for a plain address: nothing to
 * say, so it goes, separator and all. A note with words in it stays.
 */
const EMPTY_RESOLUTION_NOTE = /\.?\s*Resolution note:\s*$/;

/**
 * A call's final status as the library and its caller see it, made once
 * where grpc-js hands it over, before counts, metrics, retries, spans, the
 * HTTP filter or the caller read it. gRPC clients map a code they do not
 * know to UNKNOWN; grpc-js passes on whatever `Number()` made of the
 * `grpc-status` trailer, so that is done here: anything but an integer in
 * 0..16 becomes UNKNOWN, and the details say what was received (never a
 * metadata value). An empty resolution note is dropped.
 */
export function wireStatus(code: number, details: string): { code: status; details: string } {
  if (!isGrpcStatusCode(code)) {
    return { code: status.UNKNOWN, details: withReceivedCode(code, details) };
  }
  if (code === status.OK || !EMPTY_RESOLUTION_NOTE.test(details)) return { code, details };
  return { code, details: details.replace(EMPTY_RESOLUTION_NOTE, '') };
}

/** `received` itself when it needs no change (the common case: no allocation). */
export function statusFromWire(received: StatusObject): StatusObject {
  const { code, details } = wireStatus(received.code, received.details);
  if (code === received.code && details === received.details) return received;
  return { ...received, code, details };
}

/** `error` itself when it needs no change; else an error of the same shape, with its call-site stack. */
export function errorFromWire(error: ServiceError): ServiceError {
  const { code, details } = wireStatus(error.code, error.details);
  if (code === error.code && details === error.details) return error;
  const message = `${code} ${status[code]}: ${details}`;
  const normalised = Object.assign(new Error(message), { code, details, metadata: error.metadata });
  // grpc-js's stack names the caller's call site: kept, under the new message.
  if (error.stack !== undefined)
    normalised.stack = error.stack.replace(error.message, () => message);
  return normalised;
}

function withReceivedCode(code: number, details: string): string {
  const received = Number.isNaN(code)
    ? 'received a grpc-status that is not a number'
    : `received grpc-status ${code}, not a gRPC code`;
  return details === '' ? received : `${details} (${received})`;
}
