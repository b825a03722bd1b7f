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
   * (`connect ECONNREFUSED 10.0.0.7:50051`). 4xx statuses always carry the
   * server's details: they are the application's own messages.
   */
  exposeServerErrorDetails?: boolean;
}
