import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The vendored google.rpc protos (see protos/google/README.md), beside `lib/` and `dist/` alike. */
const PROTO_ROOT = fileURLToPath(new URL('../../protos/', import.meta.url));

let root: protobuf.Root | undefined;

/**
 * `google.rpc.Status` and the standard error details, loaded once, on the
 * first error that carries details (most processes never see one).
 * `google/protobuf/any.proto` and `duration.proto` are protobufjs's own.
 */
export function rpcProtos(): protobuf.Root {
  if (root === undefined) {
    const loading = new protobuf.Root();
    loading.resolvePath = (_origin, target) =>
      target.startsWith('google/rpc/') ? `${PROTO_ROOT}${target}` : target;
    root = loading.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], {
      keepCase: false,
    });
  }
  return root;
}

/** The message type a type URL names, if the loaded protos define it. */
export function detailType(typeUrl: string): protobuf.Type | undefined {
  if (typeof typeUrl !== 'string') return undefined;
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  if (!name.startsWith('google.rpc.')) return undefined;
  const found = rpcProtos().lookup(name);
  return found instanceof protobuf.Type ? found : undefined;
}
