import { Catch, Inject, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { status, type ServiceError } from '@grpc/grpc-js';
import { throwError, type Observable } from 'rxjs';
import type { GrpcHttpErrorBody } from '../interfaces/http-error-body.interface.js';
import type { GrpcToHttpExceptionFilterOptions } from '../interfaces/http-filter-options.interface.js';
import { GrpcPoolCallError } from '../errors/grpc-call.error.js';
import { detailsAnswer } from './error-details-answer.js';
import { httpStatusForGrpc } from './grpc-status-to-http.js';
import { GrpcServiceErrorType } from './grpc-service-error-type.js';
import { httpStatusForPoolError, poolErrorText } from './pool-error-answer.js';
import { replyWithoutAdapter } from './reply-without-adapter.js';
import { serverErrorText } from './server-error-text.js';

/**
 * Answers an HTTP request whose handler failed with a gRPC error with the
 * matching HTTP status (NOT_FOUND 404, UNAVAILABLE 503, DEADLINE_EXCEEDED
 * 504, ...) and a JSON body with the status name and a message. The error's
 * metadata is never sent: it may carry credentials. It catches gRPC errors
 * only, so every other error gets Nest's own answer.
 *
 * Register it any way Nest allows, with the same answers:
 * `{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }`,
 * `app.useGlobalFilters(new GrpcToHttpExceptionFilter())`,
 * `@UseFilters(GrpcToHttpExceptionFilter)` or `@UseFilters(new GrpcToHttpExceptionFilter())`.
 * @publicApi
 */
@Catch(GrpcServiceErrorType)
export class GrpcToHttpExceptionFilter implements ExceptionFilter<ServiceError> {
  /** Set by Nest when it creates the filter; one made with `new` answers through the response itself. */
  @Optional()
  @Inject()
  protected readonly httpAdapterHost?: HttpAdapterHost;

  protected readonly exposeServerErrorDetails: boolean;

  constructor(@Optional() options?: GrpcToHttpExceptionFilterOptions) {
    this.exposeServerErrorDetails = options?.exposeServerErrorDetails === true;
  }

  catch(exception: ServiceError, host: ArgumentsHost): void | Observable<never> {
    // Bound to a gRPC or WebSocket handler too (a global filter in a hybrid
    // app): hand the status back as an RPC filter does, without the backend's
    // metadata, which would otherwise travel on to this service's caller.
    if (host.getType() !== 'http') return throwError(() => withoutMetadata(exception));
    const body = this.toBody(exception);
    const headers = this.toHeaders(exception, body.statusCode);
    const response: unknown = host.switchToHttp().getResponse();
    const adapter = this.httpAdapterHost?.httpAdapter;
    if (adapter === undefined) return replyWithoutAdapter(response, body, body.statusCode, headers);
    if (adapter.isHeadersSent(response)) return adapter.end(response);
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
    adapter.reply(response, body, body.statusCode);
  }

  /** `Retry-After` from the server's `RetryInfo`, on a 429 or 503. Override to add others. */
  protected toHeaders(error: ServiceError, statusCode: number): Record<string, string> {
    if (error instanceof GrpcPoolCallError) return {};
    const { retryAfterSeconds } = detailsAnswer(error, statusCode, false);
    return retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
  }

  /** Override to shape the body differently; keep metadata out of it. */
  protected toBody(error: ServiceError): GrpcHttpErrorBody {
    // The pool's own failures (queue full, closed, a bad call option) are the
    // gateway's faults: their details describe its internals, whatever the status.
    const poolMade = error instanceof GrpcPoolCallError;
    const statusCode = poolMade
      ? httpStatusForPoolError(error.code)
      : httpStatusForGrpc(error.code);
    const fixedText = (poolMade || statusCode >= 500) && !this.exposeServerErrorDetails;
    let message = error.details;
    if (fixedText) message = poolMade ? poolErrorText(error.code) : serverErrorText(error.code);
    const body: GrpcHttpErrorBody = { statusCode, error: status[error.code], message };
    if (poolMade) return body;
    const { fieldViolations, reason } = detailsAnswer(error, statusCode, !fixedText);
    if (fieldViolations !== undefined) body.fieldViolations = fieldViolations;
    if (reason !== undefined) body.reason = reason;
    return body;
  }
}

/** The error's status and message, for a caller that is not the backend's. */
function withoutMetadata(error: ServiceError): Pick<ServiceError, 'code' | 'details' | 'message'> {
  return { code: error.code, details: error.details, message: error.message };
}
