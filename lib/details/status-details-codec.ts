import type { Metadata } from '@grpc/grpc-js';
import type {
  GrpcStatusDetail,
  GrpcStatusDetailInput,
} from '../interfaces/status-details.interface.js';
import { detailType, rpcProtos } from './rpc-protos.js';

/** The trailer in which servers send a `google.rpc.Status`. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** Every field present, 64-bit numbers as numbers: the shape the public types describe. */
const AS_OBJECT = { longs: Number, enums: String, defaults: true, arrays: true, objects: true };

/** A decoded `google.protobuf.Any`: protobufjs's own definition keeps the proto's `type_url`. */
type AnyMessage = { value: Uint8Array } & ({ typeUrl: string } | { type_url: string });

const typeUrlOf = (packed: AnyMessage): string =>
  String(('typeUrl' in packed ? packed.typeUrl : packed.type_url) ?? '');

/**
 * Decoded trailers by their bytes: a failed attempt's RetryInfo is read for
 * its backoff, then the same trailer again for the error the caller gets.
 */
const decoded = new WeakMap<Uint8Array, GrpcStatusDetail[] | undefined>();

/**
 * The details of the `google.rpc.Status` in `metadata`'s
 * `grpc-status-details-bin`, or undefined when there is none or it cannot
 * be read: a malformed trailer never breaks the error it came with. A
 * detail of a type the vendored protos do not define is kept as its type
 * URL and bytes. One of a standard type whose bytes do not decode as that
 * type is left out, so that a detail found by its `'@type'` always has the
 * fields that type has.
 */
export function decodeStatusDetails(
  metadata: Metadata | undefined,
): GrpcStatusDetail[] | undefined {
  const [bytes] = metadata?.get(STATUS_DETAILS_KEY) ?? [];
  if (!(bytes instanceof Uint8Array)) return undefined;
  if (!decoded.has(bytes)) decoded.set(bytes, decodeStatus(bytes));
  return decoded.get(bytes);
}

function decodeStatus(bytes: Uint8Array): GrpcStatusDetail[] | undefined {
  let details: AnyMessage[];
  try {
    const status = rpcProtos().lookupType('google.rpc.Status').decode(bytes) as unknown as {
      details: AnyMessage[];
    };
    details = status.details ?? [];
  } catch {
    return undefined;
  }
  return details.flatMap(decodeDetail);
}

function decodeDetail(packed: AnyMessage): GrpcStatusDetail[] {
  const typeUrl = typeUrlOf(packed);
  const value = packed.value ?? new Uint8Array();
  const type = detailType(typeUrl);
  if (type === undefined) return [{ '@type': typeUrl, value: Uint8Array.from(value) }];
  try {
    return [
      { '@type': typeUrl, ...type.toObject(type.decode(value), AS_OBJECT) } as GrpcStatusDetail,
    ];
  } catch {
    return [];
  }
}

/**
 * The most a details trailer may take, encoded (it grows by a third as
 * base64 on the wire). HTTP/2 peers refuse header blocks past 16 to 64 KB,
 * and grpc-js then never delivers the status at all: the client waits for
 * its deadline. Real details (a few field violations) take a few hundred bytes.
 */
const MAX_STATUS_DETAILS_BYTES = 16 * 1024;

/** A `google.rpc.Status` carrying `details`, encoded for the `grpc-status-details-bin` trailer. */
export function encodeStatusDetails(
  code: number,
  message: string,
  details: readonly GrpcStatusDetailInput[],
): Buffer {
  if (!Array.isArray(details)) {
    throw new TypeError(`details must be an array of { '@type', ... } objects`);
  }
  const Status = rpcProtos().lookupType('google.rpc.Status');
  const encoded = details.map((detail: unknown, i) => {
    const typeUrl = (detail as { '@type'?: unknown } | null)?.['@type'];
    if (typeof detail !== 'object' || detail === null || typeof typeUrl !== 'string') {
      throw new TypeError(`details[${i}] must be an object with a string '@type'`);
    }
    // Bytes given are sent as they are, whatever the type.
    const { value } = detail as { value?: unknown };
    if (value instanceof Uint8Array) return { type_url: typeUrl, value };
    const type = detailType(typeUrl);
    if (type === undefined) {
      throw new TypeError(
        `details[${i}]: no google.rpc detail type "${typeUrl}" (pass { '@type', value } for others)`,
      );
    }
    const { '@type': _type, ...fields } = detail as Record<string, unknown>;
    const problem = type.verify(fields);
    if (problem !== null) throw new TypeError(`details[${i}] (${typeUrl}): ${problem}`);
    return { type_url: typeUrl, value: type.encode(type.fromObject(fields)).finish() };
  });
  const bytes = Buffer.from(
    Status.encode(Status.fromObject({ code, message, details: encoded })).finish(),
  );
  if (bytes.length > MAX_STATUS_DETAILS_BYTES) {
    throw new TypeError(
      `details encode to ${bytes.length} bytes, over ${MAX_STATUS_DETAILS_BYTES}: ` +
        `a trailer that large may never reach the client`,
    );
  }
  return bytes;
}
