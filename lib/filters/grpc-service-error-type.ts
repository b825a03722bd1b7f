import { isGrpcServiceError } from '../errors/is-grpc-service-error.js';

/**
 * What `@Catch()` matches a gRPC failure with. Nest picks a filter with
 * `instanceof` and a grpc-js `ServiceError` is a plain `Error`, so the check
 * is by shape. Matching only gRPC failures leaves every other error to
 * Nest's own handler, however the filter is registered: a filter created
 * with `new` has no HTTP adapter to answer them with.
 */
export abstract class GrpcServiceErrorType {
  static [Symbol.hasInstance](value: unknown): boolean {
    return isGrpcServiceError(value);
  }
}
