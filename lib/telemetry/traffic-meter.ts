import type { PoolMethod } from '../proto/service-catalog.js';
import type { AttemptTraffic } from './metric-sink.interface.js';

/** What a starter needs of a method to put a call on the wire. */
export type WireMethod = Pick<PoolMethod, 'path' | 'requestSerialize' | 'responseDeserialize'>;

/**
 * A method whose (de)serializers count one attempt's messages and bytes on
 * their way through: the sizes are those of the serialized messages, before
 * compression and after decompression (grpc-js does not report wire sizes).
 * One per call, made only when an exporter records traffic.
 */
export class TrafficMeter implements WireMethod, AttemptTraffic {
  readonly path: string;
  readonly requestSerialize: PoolMethod['requestSerialize'];
  readonly responseDeserialize: PoolMethod['responseDeserialize'];
  sentMessages = 0;
  sentBytes = 0;
  receivedMessages = 0;
  receivedBytes = 0;

  constructor(method: PoolMethod) {
    this.path = method.path;
    this.requestSerialize = (value) => {
      const bytes = method.requestSerialize(value);
      this.sentMessages++;
      this.sentBytes += bytes.length;
      return bytes;
    };
    this.responseDeserialize = (bytes) => {
      this.receivedMessages++;
      this.receivedBytes += bytes.length;
      return method.responseDeserialize(bytes);
    };
  }

  /** A new attempt counts from zero. */
  reset(): void {
    this.sentMessages = 0;
    this.sentBytes = 0;
    this.receivedMessages = 0;
    this.receivedBytes = 0;
  }
}
