import { AsyncResource } from 'node:async_hooks';
import type { ClientOptions } from '@grpc/grpc-js';
import { callFailures } from '../../errors/call-failures.js';
import { callbackArgumentsProblem } from '../../options/validate-callback-arguments.js';
import type { CatalogService } from '../../proto/service-catalog.js';
import type { AbortableCall } from '../../call/call-admission.js';
import { CallbackChannels } from '../../call/callback-channels.js';
import type { CallContext } from '../../call/call-context.js';
import { wireStatus } from '../../call/wire-status.js';
import { withPoolCallRules } from './callback-call-options.js';

type GrpcMethod = (...args: unknown[]) => {
  on(event: 'status', listener: (s: { code: number }) => void): unknown;
  cancel(): void;
};

/**
 * `getClientByServiceName()`: an object with the methods of the grpc-js
 * generated client (callbacks and streams), each call placed on a pool
 * channel. Such a call must be returned synchronously, so it never queues:
 * when every channel is full it goes on the least-loaded one. A drain that
 * runs out of time cancels it (grpc-js then reports "Cancelled on client").
 */
export function createCallbackClient(
  context: CallContext,
  service: CatalogService,
  channelOptions: ClientOptions | undefined,
): Record<string, GrpcMethod> {
  const { admission, telemetry, label } = context;
  const channels = new CallbackChannels(context, service, channelOptions);
  const facade: Record<string, GrpcMethod> = {};
  for (const [protoName, method] of Object.entries(service.definition)) {
    const recorder = telemetry.forMethod(method);
    const call: GrpcMethod = (...args) => {
      const refused = admission.refusal();
      if (refused !== undefined) throw refused;
      // Thrown before a slot is taken, as grpc-js throws for arguments it cannot read.
      const problem = callbackArgumentsProblem(method, args);
      if (problem !== undefined) throw callFailures.invalidArgument(label, problem);
      const lease = channels.lendNow();
      const startedAt = performance.now();
      try {
        // grpc-js throws here on bad arguments (a unary call without a callback): such a call
        // never started, so it is counted only once grpc-js has accepted it.
        const sent = withPoolCallRules(method, args).map(inCallersContext);
        const client = channels.clientOn(lease) as unknown as Record<string, GrpcMethod>;
        const active = client[protoName](...sent);
        recorder.callStarted();
        recorder.slotWaited(0);
        recorder.attemptStarted();
        const registered: AbortableCall = { abort: () => active.cancel() };
        admission.register(registered);
        active.on('status', (final) => {
          // Normalised already by the interceptor; read through it again, as a count must never take a raw code.
          const { code } = wireStatus(final.code, '');
          channels.ended(lease, code);
          admission.finished(registered);
          // One attempt, no traffic measured: these calls keep grpc-js's own (de)serializers.
          const ms = performance.now() - startedAt;
          recorder.attemptEnded(code, ms, 0, undefined, undefined);
          recorder.callEnded(code, ms);
        });
        return active;
      } catch (error: unknown) {
        channels.notStarted(lease);
        throw error;
      }
    };
    facade[protoName] = call;
    if (method.originalName) facade[method.originalName] = call;
  }
  return facade;
}

/**
 * grpc-js runs a call's callback in the async context of whoever opened the
 * connection; bound here, it runs in the caller's own. (Streams returned by
 * such calls emit their events as grpc-js does.)
 */
function inCallersContext(arg: unknown): unknown {
  return typeof arg === 'function' ? AsyncResource.bind(arg as (...a: unknown[]) => unknown) : arg;
}
