import {
  Inject,
  Injectable,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, retry, throwError, timer } from 'rxjs';
import { isGrpcServiceError } from '../errors/is-grpc-service-error.js';
import { GRPC_RETRY_METADATA } from '../decorators/handler-metadata-keys.js';
import type { GrpcRetryOptions } from '../interfaces/retry-options.interface.js';
import { backoffMs, resolveRetryPolicy, type RetryPolicy } from '../policies/retry-policy.js';
import { inheritedDeadline } from '../context/request-context.js';

/**
 * Re-runs a handler marked `@GrpcRetry(...)` when it fails with a retryable
 * gRPC status, with exponential backoff and full jitter. Inside a
 * `@GrpcTimeout` budget, it never starts a backoff that would outlast the
 * budget (register `GrpcTimeoutInterceptor` first, so its budget covers the
 * retries). Handlers without the decorator run untouched.
 * @publicApi
 */
@Injectable()
export class GrpcRetryInterceptor implements NestInterceptor {
  constructor(
    @Optional() @Inject(Reflector) protected readonly reflector: Reflector = new Reflector(),
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const policy = this.policyOf(context);
    if (policy === undefined) return next.handle();
    // next.handle() is cold: each resubscription runs the handler again.
    return next.handle().pipe(
      retry({
        count: policy.maxAttempts - 1,
        delay: (error: unknown, retryCount: number) => {
          const wait = backoffMs(policy, retryCount);
          return this.shouldRetry(error, policy, wait) ? timer(wait) : throwError(() => error);
        },
      }),
    );
  }

  protected policyOf(context: ExecutionContext): RetryPolicy | undefined {
    const options = this.reflector.getAllAndOverride<GrpcRetryOptions | undefined>(
      GRPC_RETRY_METADATA,
      [context.getHandler(), context.getClass()],
    );
    return options === undefined ? undefined : resolveRetryPolicy(options);
  }

  /** A retryable gRPC status, and time left in the request's budget for the wait. */
  protected shouldRetry(error: unknown, policy: RetryPolicy, waitMs: number): boolean {
    if (!isGrpcServiceError(error) || !policy.retryableCodes.includes(error.code)) return false;
    const deadline = inheritedDeadline();
    return deadline === undefined || Date.now() + waitMs < deadline;
  }
}
