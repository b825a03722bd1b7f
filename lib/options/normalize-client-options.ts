import { Transport } from '@nestjs/microservices';
import type {
  GrpcPoolConnectionOptions,
  GrpcPoolName,
} from '../interfaces/client-options.interface.js';
import type { GrpcPoolFactoryResult } from '../interfaces/module-options.interface.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import { isPlainObject } from './option-rules.js';

/**
 * Accepts `ClientsModule`'s shape too (`{ transport: Transport.GRPC, options: {...} }`),
 * so moving a registration over is a rename. Returns the connection options.
 */
export function normalizeClientOptions(
  name: GrpcPoolName,
  value: unknown,
): GrpcPoolConnectionOptions {
  if (!isPlainObject(value)) {
    throw new GrpcPoolOptionsError(
      name,
      'options',
      `must be an object (got ${value === null ? 'null' : typeof value})`,
    );
  }
  if ('transport' in value) {
    if (value.transport !== Transport.GRPC || !isPlainObject(value.options)) {
      throw new GrpcPoolOptionsError(
        name,
        'transport',
        'must be Transport.GRPC, with the gRPC options under "options"',
      );
    }
    return value.options as unknown as GrpcPoolConnectionOptions;
  }
  const { name: _ignored, ...options } = value as unknown as GrpcPoolFactoryResult;
  return options;
}
