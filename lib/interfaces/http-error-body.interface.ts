/** What the filter answers: the gRPC status by name and a message, never the error's metadata. @publicApi */
export interface GrpcHttpErrorBody {
  statusCode: number;
  /** The gRPC status name, e.g. `NOT_FOUND`. */
  error: string;
  /**
   * The server's details for a 4xx; a fixed text per status for a 5xx and for
   * every failure the pool made itself, unless `exposeServerErrorDetails`.
   */
  message: string;
  /** A `BadRequest` the server sent, on a 400: which fields, and what is wrong with each. */
  fieldViolations?: { field: string; description: string }[];
  /** An `ErrorInfo` reason the server sent (`OUT_OF_STOCK`), where its message is shown. */
  reason?: string;
}
