/**
 * How `GrpcToHttpExceptionFilter` words its answers.
 * @publicApi
 */
export interface GrpcToHttpExceptionFilterOptions {
  /**
   * Send the server's `details` as the message for statuses that map to a 5xx
   * too (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ...). Default `false`:
   * those answer a fixed text per status (`upstream service unavailable`),
   * because their details are transport errors that name internal addresses
   * (`connect ECONNREFUSED 10.0.0.7:50051`). The same for the failures the
   * pool made itself (`GrpcPoolCallError`, e.g. its queue is full), whatever
   * their status: their details name the gateway's limits and options. The
   * HTTP status does not change. 4xx statuses from the server always carry
   * its details: they are the application's own messages.
   */
  exposeServerErrorDetails?: boolean;
}
