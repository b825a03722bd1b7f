import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { runWithInbound } from '../context/request-context.js';
import { forwardingWanted } from '../context/forwarding-wanted.js';
import { inboundHeadersOf } from '../context/inbound-headers.js';

/**
 * Puts the inbound request's headers (HTTP) or metadata (gRPC) in the async
 * context its handler runs in, for the pools whose `forwardMetadata` copies
 * chosen keys into every call made while handling it. `GrpcPoolModule`
 * registers it globally (`APP_INTERCEPTOR`); it steps aside while no pool
 * forwards anything. Calls made in guards, which run before interceptors,
 * forward nothing.
 */
@Injectable()
export class ForwardMetadataInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!forwardingWanted()) return next.handle();
    const inbound = inboundHeadersOf(context);
    if (inbound === undefined) return next.handle();
    // The handler runs when next.handle() is subscribed: subscribe inside the request's context.
    return new Observable((subscriber) =>
      runWithInbound(inbound, () => next.handle().subscribe(subscriber)),
    );
  }
}
