/**
 * TLS, or mutual TLS when `cert` and `key` are given. Each of `ca`, `cert`
 * and `key` is a PEM file's path or its contents.
 * @publicApi
 */
export interface GrpcTlsOptions {
  /** CA certificate(s) that sign the server's certificate. Default: Node's root certificates. */
  ca?: string | Buffer;
  /** This client's certificate, for mutual TLS (with `key`). */
  cert?: string | Buffer;
  /** This client's private key, for mutual TLS (with `cert`). */
  key?: string | Buffer;
  /** The name the server's certificate must carry, when it differs from the host in `url`. */
  servername?: string;
}
