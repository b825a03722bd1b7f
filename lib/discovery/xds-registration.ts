import type { OptionRules } from '../options/option-rules.js';
import { loadOptionalPeer } from '../telemetry/optional-peer.js';

/** The optional peer that teaches grpc-js the `xds:` scheme. */
const XDS_PACKAGE = '@grpc/grpc-js-xds';

/** What the pool uses of `@grpc/grpc-js-xds`. */
interface GrpcJsXds {
  register(): void;
}

/**
 * Process-wide on purpose (one of the five process-wide states listed in
 * ARCHITECTURE.md): `register()` installs the `xds:` resolver and its load balancers into
 * grpc-js's own process-wide registries, so there is nothing per pool to
 * own or undo. The flag spares every later pool the lookup.
 */
let registered = false;

/**
 * Before the first pool with an `xds:` target opens a channel, loads
 * `@grpc/grpc-js-xds` and registers it with grpc-js, once per process.
 * Lazily, because most apps never use xDS and must not need the package
 * (nor pay for loading it). Without it, grpc-js would read `xds:///name`
 * as a DNS name and every call would fail much later; so a missing package
 * fails start-up here, naming the client, the url and what to install.
 */
export function registerXdsFor(rules: OptionRules, url: string | string[] | undefined): void {
  if (url === undefined) return;
  const list = ([] as string[]).concat(url);
  const index = list.findIndex((target) => target.startsWith('xds:'));
  if (index === -1) return;
  const field = Array.isArray(url) ? `url[${index}]` : 'url';
  if (!registered) register(rules, field, list[index]);
  // grpc-js-xds would only say so per call, as "Cannot read properties of null".
  if (!process.env.GRPC_XDS_BOOTSTRAP && !process.env.GRPC_XDS_BOOTSTRAP_CONFIG) {
    rules.fail(
      field,
      `"${list[index]}" needs an xDS bootstrap: set GRPC_XDS_BOOTSTRAP (a file) or GRPC_XDS_BOOTSTRAP_CONFIG (the JSON) before the pool starts`,
    );
  }
}

function register(rules: OptionRules, field: string, target: string): void {
  const xds = loadOptionalPeer<GrpcJsXds>(XDS_PACKAGE);
  if (xds === undefined) {
    rules.fail(
      field,
      `"${target}" needs the optional peer ${XDS_PACKAGE}: npm install ${XDS_PACKAGE}`,
    );
  }
  xds.register();
  registered = true;
}
