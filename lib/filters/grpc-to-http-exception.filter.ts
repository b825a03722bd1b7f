import { Catch, type ArgumentsHost, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { status, type ServiceError } from '@grpc/grpc-js';
import { httpStatusForGrpc } from './grpc-status-to-http.js';

/** What the filter answers: the gRPC status by name and its details, never its metadata. */
export interface GrpcHttpErrorBody {
  statusCode: number;
  /** The gRPC status name, e.g. `NOT_FOUND`. */
  error: string;
  /** The gRPC status details. */
  message: string;
}

/** A gRPC failure: grpc-js `ServiceError`s and the pool's own `GrpcPoolCallError`s. */
export function isGrpcServiceError(value: unknown): value is ServiceError {
  if (!(value instanceof Error)) return false;
  const { code, details } = value as Partial<ServiceError>;
  return typeof code === 'number' && status[code] !== undefined && typeof details === 'string';
}

/**
 * Answers an HTTP request whose handler failed with a gRPC error with the
 * matching HTTP status (NOT_FOUND 404, UNAVAILABLE 503, DEADLINE_EXCEEDED
 * 504, ...) and a JSON body with the status name and details. The error's
 * metadata is never sent: it may carry credentials. Everything else goes to
 * Nest's default handling.
 *
 * Register it with `{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }`
 * (Nest then injects the HTTP adapter it answers through).
 * @publicApi
 */
@Catch()
export class GrpcToHttpExceptionFilter extends BaseExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http' || !isGrpcServiceError(exception)) {
      return super.catch(exception, host);
    }
    const body = this.toBody(exception);
    this.server().reply(host.switchToHttp().getResponse(), body, body.statusCode);
  }

  /** Override to shape the body differently; keep metadata out of it. */
  protected toBody(error: ServiceError): GrpcHttpErrorBody {
    return {
      statusCode: httpStatusForGrpc(error.code),
      error: status[error.code],
      message: error.details,
    };
  }

  protected server(): HttpServer {
    return this.applicationRef ?? this.httpAdapterHost!.httpAdapter;
  }
}
