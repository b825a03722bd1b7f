import { status } from '@grpc/grpc-js';
import { GrpcPoolCallError } from './grpc-call.error.js';

/** The pool's own call failures, with details that say what happened and which limit applied. */
export const callFailures = {
  closed: (pool: string): GrpcPoolCallError =>
    new GrpcPoolCallError(status.UNAVAILABLE, `gRPC pool ${pool} is closed`),

  draining: (pool: string): GrpcPoolCallError =>
    new GrpcPoolCallError(
      status.UNAVAILABLE,
      `gRPC pool ${pool} is draining for shutdown and takes no new calls`,
    ),

  closedDuringShutdown: (pool: string, drainTimeoutMs: number): GrpcPoolCallError =>
    new GrpcPoolCallError(
      status.CANCELLED,
      `gRPC pool ${pool} closed during shutdown: the call did not finish within drainTimeoutMs ${drainTimeoutMs}`,
    ),

  exhausted: (pool: string, situation: string): GrpcPoolCallError =>
    new GrpcPoolCallError(
      status.RESOURCE_EXHAUSTED,
      `gRPC pool ${pool} is exhausted: ${situation}`,
    ),

  deadlineWhileQueued: (pool: string, waitedMs: number): GrpcPoolCallError =>
    new GrpcPoolCallError(
      status.DEADLINE_EXCEEDED,
      `Deadline exceeded after ${waitedMs} ms waiting for a free channel in gRPC pool ${pool}`,
    ),

  invalidArgument: (pool: string, problem: string): GrpcPoolCallError =>
    new GrpcPoolCallError(status.INVALID_ARGUMENT, `Invalid call to gRPC pool ${pool}: ${problem}`),
};
