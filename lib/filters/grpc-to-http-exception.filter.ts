import { Catch, type ArgumentsHost, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { status, type ServiceError } from '@grpc/grpc-js';
import { isGrpcServiceError } from '../errors/is-grpc-service-error.js';
import { httpStatusForGrpc } from './grpc-status-to-http.js';

/** What the filter answers: the gRPC status by name and its details, never its metadata. */
export interface GrpcHttpErrorBody {
  statusCode: number;
  /** The gRPC status name, e.g. `NOT_FOUND`. */
  error: string;
  /** The gRPC status details. */
  message: string;
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
