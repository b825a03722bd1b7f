/**
 * Base class of every error this library throws, so callers can tell them apart.
 * @publicApi
 */
export class GrpcPoolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
