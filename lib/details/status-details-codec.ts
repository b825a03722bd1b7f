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

const typeUrlOf = (any: AnyMessage): string => ('typeUrl' in any ? any.typeUrl : any.type_url);

/**
 * The details of the `google.rpc.Status` in `metadata`'s
 * `grpc-status-details-bin`, or undefined when there is none or it cannot
 * be read: a malformed trailer never breaks the error it came with. A
 * detail of a type the vendored protos do not define is kept as its type
 * URL and bytes; one that fails to decode, likewise.
 */
export function decodeStatusDetails(
  metadata: Metadata | undefined,
): GrpcStatusDetail[] | undefined {
  const [bytes] = metadata?.get(STATUS_DETAILS_KEY) ?? [];
  if (!(bytes instanceof Uint8Array)) return undefined;
  let details: AnyMessage[];
  try {
    const status = rpcProtos().lookupType('google.rpc.Status').decode(bytes) as unknown as {
      details: AnyMessage[];
    };
    details = status.details ?? [];
  } catch {
    return undefined;
  }
  return details.map(decodeDetail);
}

function decodeDetail(any: AnyMessage): GrpcStatusDetail {
  const typeUrl = typeUrlOf(any);
  const { value } = any;
  try {
    const type = detailType(typeUrl);
    if (type !== undefined) {
      return {
        '@type': typeUrl,
        ...type.toObject(type.decode(value), AS_OBJECT),
      } as GrpcStatusDetail;
    }
  } catch {
    // Bytes that are not the message their type URL names: kept as they came.
  }
  return { '@type': typeUrl, value: Uint8Array.from(value) };
}

/** A `google.rpc.Status` carrying `details`, encoded for the `grpc-status-details-bin` trailer. */
export function encodeStatusDetails(
  code: number,
  message: string,
  details: readonly GrpcStatusDetailInput[],
): Buffer {
  const Status = rpcProtos().lookupType('google.rpc.Status');
  const encoded = details.map((detail) => {
    const { '@type': typeUrl, ...fields } = detail;
    if (
      'value' in detail &&
      detail.value instanceof Uint8Array &&
      detailType(typeUrl) === undefined
    ) {
      return { type_url: typeUrl, value: detail.value };
    }
    const type = detailType(typeUrl);
    if (type === undefined) {
      throw new TypeError(
        `no google.rpc detail type "${typeUrl}" (pass { '@type', value } for others)`,
      );
    }
    const problem = type.verify(fields);
    if (problem !== null) throw new TypeError(`detail ${typeUrl}: ${problem}`);
    return { type_url: typeUrl, value: type.encode(type.fromObject(fields)).finish() };
  });
  return Buffer.from(
    Status.encode(Status.fromObject({ code, message, details: encoded })).finish(),
  );
}
