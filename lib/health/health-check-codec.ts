/**
 * The two messages of `grpc.health.v1.Health/Check`, encoded by hand: a
 * string field and an enum field do not justify loading a .proto file (and
 * its loader) at start-up for every app that asks for a remote check.
 */

/** `HealthCheckResponse.ServingStatus`, by number. */
export const SERVING_STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/** `HealthCheckRequest { string service = 1; }` */
export function encodeHealthCheckRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const text = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), encodeVarint(text.length), text]);
}

/** The `status` of a `HealthCheckResponse { ServingStatus status = 1; }`; 0 (UNKNOWN) when absent. */
export function decodeServingStatus(bytes: Buffer): number {
  let offset = 0;
  let servingStatus = 0;
  while (offset < bytes.length) {
    const [key, afterKey] = readVarint(bytes, offset);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === 0) {
      const [value, next] = readVarint(bytes, afterKey);
      if (field === 1) servingStatus = value;
      offset = next;
    } else if (wireType === 2) {
      const [length, next] = readVarint(bytes, afterKey);
      offset = next + length;
    } else if (wireType === 1) {
      offset = afterKey + 8;
    } else if (wireType === 5) {
      offset = afterKey + 4;
    } else {
      throw new Error(`Malformed HealthCheckResponse: wire type ${wireType}`);
    }
  }
  if (offset > bytes.length) throw new Error('Malformed HealthCheckResponse: truncated');
  return servingStatus;
}

function encodeVarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function readVarint(bytes: Buffer, start: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let offset = start; offset < bytes.length && offset < start + 10; offset++) {
    const byte = bytes[offset];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, offset + 1];
    scale *= 0x80;
  }
  throw new Error('Malformed HealthCheckResponse: bad varint');
}
