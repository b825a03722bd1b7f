import {
  GatewayTimeoutException,
  Inject,
  Injectable,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import { status } from '@grpc/grpc-js';
import { Observable, TimeoutError, catchError, throwError, timeout } from 'rxjs';
import { GRPC_TIMEOUT_METADATA } from '../decorators/handler-metadata-keys.js';
import { isGrpcServiceError } from '../errors/is-grpc-service-error.js';
import { inboundGrpcCall, watchCancellation } from './inbound-grpc-call.js';
import { runWithBudget } from '../context/request-context.js';

const DEADLINE_TOLERANCE_MS = 10;

/**
 * Enforces `@GrpcTimeout(ms)`: the handler gets `ms` to answer, and every
 * pooled call it makes (across awaits and Observables) inherits what is left
 * as its gRPC deadline, so those calls are cancelled on the wire when the
 * budget runs out. The handler then fails with `GatewayTimeoutException`
 * (504) over HTTP, or an `RpcException` carrying DEADLINE_EXCEEDED over RPC.
 * Handlers without the decorator run untouched.
 *
 * Use it per handler or controller (`@UseInterceptors(GrpcTimeoutInterceptor)`)
 * or globally (`{ provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor }`).
 * @publicApi
 */
@Injectable()
export class GrpcTimeoutInterceptor implements NestInterceptor {
  constructor(
    @Optional() @Inject(Reflector) protected readonly reflector: Reflector = new Reflector(),
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const budgetMs = this.budgetOf(context);
    const inbound = context.getType() === 'rpc' ? inboundGrpcCall(context) : undefined;
    // An HTTP handler without the decorator has nothing to pass on.
    if (budgetMs === undefined && inbound === undefined) return next.handle();
    return new Observable((subscriber) => {
      const cancellation = inbound === undefined ? undefined : watchCancellation(inbound);
      if (cancellation !== undefined) subscriber.add(cancellation.release);
      const budget = {
        // The earlier of the handler's budget and what its own caller gave it.
        deadline: Math.min(
          budgetMs === undefined ? Infinity : Date.now() + budgetMs,
          inbound?.deadline ?? Infinity,
        ),
        signal: cancellation?.signal,
      };
      // The handler runs when next.handle() is subscribed: subscribe inside the budget's context.
      return runWithBudget(budget, () => {
        const handled = next.handle();
        // Not decorated: the calls inherit the caller's deadline, the handler gets no timer.
        if (budgetMs === undefined) return handled.subscribe(subscriber);
        return handled
          .pipe(
            timeout({ first: budgetMs }),
            catchError((error: unknown) =>
              throwError(() =>
                this.budgetRanOut(error, budget.deadline)
                  ? this.timeoutError(context, budgetMs)
                  : error,
              ),
            ),
          )
          .subscribe(subscriber);
      });
    });
  }

  /** The handler's budget in ms: its own `@GrpcTimeout`, else its controller's. */
  protected budgetOf(context: ExecutionContext): number | undefined {
    return this.reflector.getAllAndOverride<number | undefined>(GRPC_TIMEOUT_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
  }

  /**
   * The budget ran out: the interceptor's own timer fired, or a pooled call
   * hit the inherited deadline first and the handler passed its
   * DEADLINE_EXCEEDED on (both fire at the same moment).
   */
  protected budgetRanOut(error: unknown, deadline: number): boolean {
    if (error instanceof TimeoutError) return true;
    return (
      isGrpcServiceError(error) &&
      error.code === status.DEADLINE_EXCEEDED &&
      // Timers may fire a millisecond or two before the clock reaches the deadline.
      Date.now() >= deadline - DEADLINE_TOLERANCE_MS
    );
  }

  /** What the caller sees when the budget runs out. */
  protected timeoutError(context: ExecutionContext, budgetMs: number): Error {
    const message = `Request exceeded its ${budgetMs} ms budget`;
    if (context.getType() === 'rpc') {
      return new RpcException({ code: status.DEADLINE_EXCEEDED, message });
    }
    return new GatewayTimeoutException(message);
  }
}
