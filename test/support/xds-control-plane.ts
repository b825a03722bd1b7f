import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Server,
  ServerCredentials,
  loadPackageDefinition,
  type ServerDuplexStream,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/**
 * A minimal xDS control plane for the tests: an ADS server (state of the
 * world, one aggregated stream per client) on grpc-js, speaking the Envoy v3
 * protos that @grpc/grpc-js-xds ships in its deps/ folders. It serves one
 * service under two names (a client asks for the Listener named after its
 * target: `xds:///echo` asks for `echo`): `echo`, whose
 * HttpConnectionManager names its route for RDS, and `echo-inline`, which
 * carries the same route inline. The route sends everything to one EDS
 * Cluster, whose ClusterLoadAssignment a test changes while clients are
 * subscribed. SotW: every response holds every subscribed resource of its
 * type that exists.
 */

export const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const TYPE_URLS = [LDS, RDS, CDS, EDS] as const;
type TypeUrl = (typeof TYPE_URLS)[number];

/** A resource as the proto loader encodes it into a google.protobuf.Any: its fields plus `@type`. */
type Resource = Record<string, unknown> & { '@type': TypeUrl };

interface DiscoveryRequest {
  version_info: string;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail: { code: number; message: string } | null;
}
interface DiscoveryResponse {
  version_info: string;
  resources: Resource[];
  type_url: TypeUrl;
  nonce: string;
}
type AdsStream = ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

/** What one client's stream has asked for, per resource type. */
interface Subscriber {
  stream: AdsStream;
  names: Map<TypeUrl, Set<string>>;
}

/** A client's answer to a response: an ACK (it applied the version) or a NACK (it refused it, and why). */
export interface XdsAnswer {
  typeUrl: string;
  version: string;
  accepted: boolean;
  error?: string;
}

export interface XdsControlPlaneOptions {
  /** The name clients use: `xds:///<name>` (route over RDS) or `xds:///<name>-inline`. Default `echo`. */
  serviceName?: string;
  /**
   * A retry policy on the route (what a mesh operator might configure):
   * grpc-js would retry these codes itself unless the channel turns retries off.
   */
  routeRetry?: { retryOn: string; numRetries: number };
}

export interface XdsControlPlane {
  /** `127.0.0.1:<port>`. */
  address: string;
  /** The bootstrap JSON for GRPC_XDS_BOOTSTRAP_CONFIG. */
  bootstrap: string;
  /** ACKs and NACKs received, in order. */
  answers: XdsAnswer[];
  /** ADS streams open now. */
  readonly streams: number;
  /** Streams subscribed to the cluster's endpoints now. */
  readonly endpointSubscribers: number;
  /**
   * Sets the cluster's endpoints (`host:port`) and pushes the new assignment
   * to every subscribed stream. Returns the assignment's version.
   */
  setEndpoints(addresses: string[]): string;
  /** Whether some client has ACKed `version` of `typeUrl` (versions count up per type from 1). */
  hasAcked(typeUrl: TypeUrl, version: string): boolean;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

function loadAds(): ServiceClientConstructor {
  const definition = loadSync(
    [
      'envoy/service/discovery/v3/ads.proto',
      'envoy/config/listener/v3/listener.proto',
      'envoy/config/route/v3/route.proto',
      'envoy/config/cluster/v3/cluster.proto',
      'envoy/config/endpoint/v3/endpoint.proto',
      'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
      'envoy/extensions/filters/http/router/v3/router.proto',
    ],
    {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      // The resources travel as google.protobuf.Any: `@type` names the message to encode.
      json: true,
      includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) =>
        join(DEPS, dir),
      ),
    },
  );
  const loaded = loadPackageDefinition(definition) as unknown as {
    envoy: {
      service: { discovery: { v3: { AggregatedDiscoveryService: ServiceClientConstructor } } };
    };
  };
  return loaded.envoy.service.discovery.v3.AggregatedDiscoveryService;
}

const CLUSTER = 'echo-cluster';
const ENDPOINTS = 'echo-endpoints';
const ROUTE = 'echo-route';

export async function startXdsControlPlane(
  endpoints: string[],
  options: XdsControlPlaneOptions = {},
): Promise<XdsControlPlane> {
  const serviceName = options.serviceName ?? 'echo';
  const resources = new Map<TypeUrl, Map<string, Resource>>(TYPE_URLS.map((t) => [t, new Map()]));
  const versions = new Map<TypeUrl, number>(TYPE_URLS.map((t) => [t, 0]));
  const subscribers = new Set<Subscriber>();
  const answers: XdsAnswer[] = [];
  let nonce = 0;

  /** Sends `stream` every resource of `typeUrl` it is subscribed to that exists. */
  const send = (subscriber: Subscriber, typeUrl: TypeUrl): void => {
    const wanted = subscriber.names.get(typeUrl) ?? new Set<string>();
    const found = [...wanted].flatMap((name) => resources.get(typeUrl)?.get(name) ?? []);
    // Nothing to say yet: the client's does-not-exist timer is the honest answer.
    if (found.length === 0) return;
    subscriber.stream.write({
      version_info: String(versions.get(typeUrl)),
      resources: found,
      type_url: typeUrl,
      nonce: String(++nonce),
    });
  };

  /** Stores a resource under a new version and pushes it to every stream subscribed to it. */
  const put = (typeUrl: TypeUrl, name: string, resource: Record<string, unknown>): string => {
    const version = (versions.get(typeUrl) ?? 0) + 1;
    versions.set(typeUrl, version);
    resources.get(typeUrl)?.set(name, { ...resource, '@type': typeUrl });
    for (const subscriber of subscribers) {
      if (subscriber.names.get(typeUrl)?.has(name)) send(subscriber, typeUrl);
    }
    return String(version);
  };

  const route = {
    name: ROUTE,
    virtual_hosts: [
      {
        name: serviceName,
        domains: ['*'],
        routes: [
          {
            match: { prefix: '' },
            route: {
              cluster: CLUSTER,
              ...(options.routeRetry && {
                retry_policy: {
                  retry_on: options.routeRetry.retryOn,
                  num_retries: { value: options.routeRetry.numRetries },
                },
              }),
            },
          },
        ],
      },
    ],
  };
  const listener = (name: string, routeSpecifier: Record<string, unknown>) => ({
    name,
    api_listener: {
      api_listener: {
        '@type': HCM,
        ...routeSpecifier,
        // gRPC's xDS client requires the router as the last (here: only) HTTP filter.
        http_filters: [{ name: 'router', typed_config: { '@type': ROUTER } }],
      },
    },
  });
  put(
    LDS,
    serviceName,
    listener(serviceName, { rds: { route_config_name: ROUTE, config_source: { ads: {} } } }),
  );
  put(LDS, `${serviceName}-inline`, listener(`${serviceName}-inline`, { route_config: route }));
  put(RDS, ROUTE, route);
  put(CDS, CLUSTER, {
    name: CLUSTER,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {} }, service_name: ENDPOINTS },
    lb_policy: 'ROUND_ROBIN',
  });
  const setEndpoints = (addresses: string[]): string =>
    put(EDS, ENDPOINTS, {
      cluster_name: ENDPOINTS,
      endpoints: [
        {
          locality: { region: 'test', zone: 'a' },
          load_balancing_weight: { value: 1 },
          priority: 0,
          lb_endpoints: addresses.map((address) => {
            const colon = address.lastIndexOf(':');
            return {
              health_status: 'HEALTHY',
              endpoint: {
                address: {
                  socket_address: {
                    address: address.slice(0, colon),
                    port_value: Number(address.slice(colon + 1)),
                  },
                },
              },
            };
          }),
        },
      ],
    });
  setEndpoints(endpoints);

  const onRequest = (subscriber: Subscriber, request: DiscoveryRequest): void => {
    const typeUrl = TYPE_URLS.find((t) => t === request.type_url);
    if (typeUrl === undefined) return;
    // A request that answers a response is an ACK, or a NACK when it carries an error.
    if (request.response_nonce !== '') {
      answers.push({
        typeUrl,
        version: request.version_info,
        accepted: request.error_detail === null,
        ...(request.error_detail !== null && { error: request.error_detail.message }),
      });
    }
    const before = subscriber.names.get(typeUrl) ?? new Set<string>();
    const now = new Set(request.resource_names);
    subscriber.names.set(typeUrl, now);
    // Answer a new subscription; an ACK of what it already has needs no answer, and a
    // NACK must not get the same refused resource again (it would loop).
    const added = [...now].some((name) => !before.has(name));
    if (added) send(subscriber, typeUrl);
  };

  const server = new Server();
  server.addService(loadAds().service, {
    StreamAggregatedResources(stream: AdsStream) {
      const subscriber: Subscriber = { stream, names: new Map() };
      subscribers.add(subscriber);
      stream.on('data', (request: DiscoveryRequest) => onRequest(subscriber, request));
      const forget = (): void => {
        subscribers.delete(subscriber);
      };
      stream.on('end', () => {
        forget();
        stream.end();
      });
      stream.on('cancelled', forget);
      stream.on('error', forget);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const address = `127.0.0.1:${port}`;
  return {
    address,
    bootstrap: JSON.stringify({
      xds_servers: [
        { server_uri: address, channel_creds: [{ type: 'insecure' }], server_features: [] },
      ],
      node: { id: 'nestjs-grpc-pool-test', locality: {} },
    }),
    answers,
    get streams() {
      return subscribers.size;
    },
    get endpointSubscribers() {
      return [...subscribers].filter(({ names }) => names.get(EDS)?.has(ENDPOINTS)).length;
    },
    setEndpoints,
    hasAcked: (typeUrl, version) =>
      answers.some((a) => a.typeUrl === typeUrl && a.version === version && a.accepted),
    close: () =>
      new Promise<void>((resolve) => {
        for (const { stream } of subscribers) stream.end();
        subscribers.clear();
        server.tryShutdown(() => resolve());
        // A client that keeps its stream open must not hold the shutdown.
        setTimeout(() => server.forceShutdown(), 200).unref();
      }),
  };
}
