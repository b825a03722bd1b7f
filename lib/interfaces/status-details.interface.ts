/**
 * The standard error details of `google.rpc` (AIP-193), as decoded from the
 * `grpc-status-details-bin` trailer onto `error.statusDetails`: each with
 * its `@type` (the `Any` type URL), fields in lowerCamelCase, every field
 * present (proto3 defaults), 64-bit numbers as numbers.
 */

/** `google.protobuf.Duration`. */
export interface GrpcDuration {
  seconds: number;
  nanos: number;
}

/** @publicApi */
export interface GrpcErrorInfo {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo';
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

/** @publicApi */
export interface GrpcRetryInfo {
  '@type': 'type.googleapis.com/google.rpc.RetryInfo';
  retryDelay: GrpcDuration | null;
}

/** Server internals: never sent on to HTTP clients by the filter. @publicApi */
export interface GrpcDebugInfo {
  '@type': 'type.googleapis.com/google.rpc.DebugInfo';
  stackEntries: string[];
  detail: string;
}

/** @publicApi */
export interface GrpcQuotaFailure {
  '@type': 'type.googleapis.com/google.rpc.QuotaFailure';
  violations: {
    subject: string;
    description: string;
    apiService: string;
    quotaMetric: string;
    quotaId: string;
    quotaDimensions: Record<string, string>;
    quotaValue: number;
    futureQuotaValue?: number;
  }[];
}

/** @publicApi */
export interface GrpcPreconditionFailure {
  '@type': 'type.googleapis.com/google.rpc.PreconditionFailure';
  violations: { type: string; subject: string; description: string }[];
}

/** @publicApi */
export interface GrpcBadRequest {
  '@type': 'type.googleapis.com/google.rpc.BadRequest';
  fieldViolations: {
    field: string;
    description: string;
    reason: string;
    localizedMessage: { locale: string; message: string } | null;
  }[];
}

/** @publicApi */
export interface GrpcRequestInfo {
  '@type': 'type.googleapis.com/google.rpc.RequestInfo';
  requestId: string;
  servingData: string;
}

/** @publicApi */
export interface GrpcResourceInfo {
  '@type': 'type.googleapis.com/google.rpc.ResourceInfo';
  resourceType: string;
  resourceName: string;
  owner: string;
  description: string;
}

/** @publicApi */
export interface GrpcHelp {
  '@type': 'type.googleapis.com/google.rpc.Help';
  links: { description: string; url: string }[];
}

/** @publicApi */
export interface GrpcLocalizedMessage {
  '@type': 'type.googleapis.com/google.rpc.LocalizedMessage';
  locale: string;
  message: string;
}

/** A detail of a type this library does not know: its type URL and its bytes, as sent. @publicApi */
export interface GrpcUnknownDetail {
  '@type': string;
  value: Uint8Array;
}

/** One entry of `error.statusDetails`. Narrow it by `'@type'`. @publicApi */
export type GrpcStatusDetail =
  | GrpcErrorInfo
  | GrpcRetryInfo
  | GrpcDebugInfo
  | GrpcQuotaFailure
  | GrpcPreconditionFailure
  | GrpcBadRequest
  | GrpcRequestInfo
  | GrpcResourceInfo
  | GrpcHelp
  | GrpcLocalizedMessage
  | GrpcUnknownDetail;

/** A detail to send: one of the standard ones, with any field left out. @publicApi */
export type GrpcStatusDetailInput =
  | ({ '@type': GrpcErrorInfo['@type'] } & Partial<Omit<GrpcErrorInfo, '@type'>>)
  | ({ '@type': GrpcRetryInfo['@type'] } & Partial<Omit<GrpcRetryInfo, '@type'>>)
  | ({ '@type': GrpcDebugInfo['@type'] } & Partial<Omit<GrpcDebugInfo, '@type'>>)
  | ({ '@type': GrpcQuotaFailure['@type'] } & {
      violations?: Partial<GrpcQuotaFailure['violations'][number]>[];
    })
  | ({ '@type': GrpcPreconditionFailure['@type'] } & {
      violations?: Partial<GrpcPreconditionFailure['violations'][number]>[];
    })
  | ({ '@type': GrpcBadRequest['@type'] } & {
      fieldViolations?: Partial<GrpcBadRequest['fieldViolations'][number]>[];
    })
  | ({ '@type': GrpcRequestInfo['@type'] } & Partial<Omit<GrpcRequestInfo, '@type'>>)
  | ({ '@type': GrpcResourceInfo['@type'] } & Partial<Omit<GrpcResourceInfo, '@type'>>)
  | ({ '@type': GrpcHelp['@type'] } & Partial<Omit<GrpcHelp, '@type'>>)
  | ({ '@type': GrpcLocalizedMessage['@type'] } & Partial<Omit<GrpcLocalizedMessage, '@type'>>)
  | GrpcUnknownDetail;
