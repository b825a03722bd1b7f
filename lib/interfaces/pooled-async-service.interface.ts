import type { Metadata } from '@grpc/grpc-js';
import type { Observable } from 'rxjs';
import type { GrpcPoolCallOptions } from './call-options.interface.js';

/**
 * One method of a service definition as ts-proto's
 * `outputServices=generic-definitions` writes it (the shape nice-grpc also
 * reads): message codecs and which sides stream.
 * @publicApi
 */
export interface GrpcMethodDefinition {
  readonly requestType: unknown;
  readonly responseType: unknown;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

/**
 * A service definition as ts-proto's `outputServices=generic-definitions`
 * writes it. The pool reads only `fullName` (or `name`) from it: messages
 * are still encoded by the proto the client loaded.
 * @publicApi
 */
export interface GrpcServiceDefinition {
  readonly name: string;
  readonly fullName?: string;
  readonly methods: { readonly [method: string]: GrpcMethodDefinition };
}

/** What a request stream of `getAsyncService()` may be. @publicApi */
export type GrpcRequestStream<Message> =
  AsyncIterable<Message> | Iterable<Message> | Observable<Message>;

/**
 * A request whose fields may be left out: proto3 sends an unset field as
 * its default, so every field of a request, at any depth, is optional.
 * Scalars, bytes and dates stay whole.
 * @publicApi
 */
export type GrpcDeepPartial<Message> = Message extends
  string | number | boolean | bigint | symbol | null | undefined | Uint8Array | Date
  ? Message
  : Message extends readonly (infer Element)[]
    ? readonly GrpcDeepPartial<Element>[]
    : { [Field in keyof Message]?: GrpcDeepPartial<Message[Field]> };

/**
 * The message a codec decodes to (ts-proto's `MessageFns<T>`), or the type itself when it is not a codec.
 * @publicApi
 */
export type GrpcMessageOf<Codec> = Codec extends { decode(...input: never[]): infer Message }
  ? Message
  : Codec;

/**
 * By which side streams. A definition that says only `boolean` (not written
 * `as const`) could be either, so it types as either rather than wrongly as one.
 * @publicApi
 */
export type GrpcStreamingChoice<Flag extends boolean, Streams, Single> = boolean extends Flag
  ? Streams | Single
  : Flag extends true
    ? Streams
    : Single;

/** What a method of `getAsyncService()` takes: a request, or a stream of them. @publicApi */
export type GrpcAsyncRequest<Method extends GrpcMethodDefinition> = GrpcStreamingChoice<
  Method['requestStream'],
  GrpcRequestStream<GrpcDeepPartial<GrpcMessageOf<Method['requestType']>>>,
  GrpcDeepPartial<GrpcMessageOf<Method['requestType']>>
>;

/** What a method of `getAsyncService()` returns: a Promise, or an async iterator of responses. @publicApi */
export type GrpcAsyncResponse<Method extends GrpcMethodDefinition> = GrpcStreamingChoice<
  Method['responseStream'],
  AsyncIterableIterator<GrpcMessageOf<Method['responseType']>>,
  Promise<GrpcMessageOf<Method['responseType']>>
>;

/**
 * A service definition (ts-proto `outputServices=generic-definitions`) as
 * `getAsyncService()` serves it: unary and client-streaming methods return
 * a Promise, response streams an async iterator; request streams take any
 * `AsyncIterable`, `Iterable` or Observable.
 *
 * @example pool.getAsyncService(OrdersServiceDefinition) // typed from the definition
 * @example pool.getAsyncService<PooledAsyncService<OrdersServiceDefinition>>('OrdersService')
 * @publicApi
 */
export type PooledAsyncService<Definition extends GrpcServiceDefinition> = {
  [Method in keyof Definition['methods']]: (
    request: GrpcAsyncRequest<Definition['methods'][Method]>,
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ) => GrpcAsyncResponse<Definition['methods'][Method]>;
};
