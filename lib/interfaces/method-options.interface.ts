import type { GrpcRetryOptions } from './retry-options.interface.js';

/**
 * Settings for one method (`'OrdersService/GetOrder'`) or every method of a
 * service (`'OrdersService/*'`). The exact entry wins over the wildcard.
 * @publicApi
 */
export interface GrpcMethodOptions {
  /** Deadline of this method's calls, in ms; overrides `defaultCallOptions.timeoutMs`. */
  timeoutMs?: number;
  /** Retry policy (validated now; applied by the retry layer), or `false`. */
  retry?: GrpcRetryOptions | false;
  /** The method is safe to replay. Default `false`. */
  idempotent?: boolean;
}
