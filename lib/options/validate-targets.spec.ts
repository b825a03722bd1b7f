import { describe, expect, it } from '@jest/globals';
import { PREFIX, startUp } from '../../test/support/start-up-with-options.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';

describe('targets (url) are checked for shape at start-up', () => {
  it.each<[Record<string, unknown>, string]>([
    // Targets: the shape is checked at start-up, not on the first call.
    [
      { url: 'http://x' },
      'url "http://x" has an unknown scheme "http:" (use host:port, or one of dns:, ipv4:, ipv6:, unix:, xds:)',
    ],
    [{ url: 'not a url' }, 'url "not a url" must not contain spaces'],
    [{ url: '[::1' }, 'url "[::1" has an unclosed "["'],
    [
      { url: '127.0.0.1:99999' },
      'url "127.0.0.1:99999" must have a port from 1 to 65535 (got "99999")',
    ],
    [{ url: 'localhost:0' }, 'url "localhost:0" must have a port from 1 to 65535 (got "0")'],
    [{ url: 'localhost:' }, 'url "localhost:" must have a port from 1 to 65535 (got "")'],
    [
      { url: 'local_host:abc' },
      'url "local_host:abc" must have a port from 1 to 65535 (got "abc")',
    ],
    [
      { url: 'ipv4:127.0.0.1:1,::1' },
      'url "ipv4:127.0.0.1:1,::1" must list ipv4 addresses after "ipv4:" (got "::1")',
    ],
    [{ url: 'dns:///' }, 'url "dns:///" must name a host'],
    [{ url: 'unix:' }, 'url "unix:" must name a socket path after "unix:"'],
    [{ url: 'xds:name' }, 'url "xds:name" must be xds:///name or xds://authority/name'],
    [{ url: ['127.0.0.1:1', 'h:70000'] }, 'url[1] "h:70000" must have a port from 1 to 65535'],
  ])('%j', (overrides: Record<string, unknown>, message) => {
    const start = startUp(overrides);
    expect(start).toThrow(GrpcPoolOptionsError);
    expect(start).toThrow(
      PREFIX.replace('"ORDERS"', overrides.name === '' ? '""' : '"ORDERS"') + message,
    );
  });

  it('an xds: url with no bootstrap in the environment fails start-up, naming both variables', () => {
    // grpc-js-xds would read the bootstrap at the first call and fail each call with
    // "Cannot read properties of null (reading 'clientDefaultListenerResourceNameTemplate')".
    const { GRPC_XDS_BOOTSTRAP, GRPC_XDS_BOOTSTRAP_CONFIG } = process.env;
    delete process.env.GRPC_XDS_BOOTSTRAP;
    delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
    try {
      for (const [url, field] of [
        ['xds:///orders', 'url'],
        [['127.0.0.1:1', 'xds:///orders'], 'url[1]'],
      ] as const) {
        expect(startUp({ url, pool: { minChannels: 0 } })).toThrow(
          `${PREFIX}${field} "xds:///orders" needs an xDS bootstrap: set GRPC_XDS_BOOTSTRAP (a file) or GRPC_XDS_BOOTSTRAP_CONFIG (the JSON) before the pool starts`,
        );
      }
    } finally {
      if (GRPC_XDS_BOOTSTRAP !== undefined) process.env.GRPC_XDS_BOOTSTRAP = GRPC_XDS_BOOTSTRAP;
      if (GRPC_XDS_BOOTSTRAP_CONFIG !== undefined)
        process.env.GRPC_XDS_BOOTSTRAP_CONFIG = GRPC_XDS_BOOTSTRAP_CONFIG;
    }
  });

  it('accepts every valid target shape (a host without a port means 443), and not its broken twin', () => {
    const valid = [
      'localhost',
      '127.0.0.1:50051',
      'orders.internal:443',
      '[::1]:50051',
      '[::1]',
      '::1',
      'dns:///orders.internal:50051',
      'dns://8.8.8.8:53/orders.internal:50051',
      'dns:orders.internal:50051',
      'ipv4:127.0.0.1:1,127.0.0.2:2',
      'ipv6:[::1]:50051,::2',
      'unix:/tmp/orders.sock',
      'unix:///tmp/orders.sock',
      'unix:relative.sock',
      'xds:///orders',
      // Fully qualified DNS names end with a dot.
      'localhost.:50051',
      'orders.internal.',
      'dns:///orders.internal.:50051',
      ['127.0.0.1:1', 'dns:///b:2', 'unix:/tmp/c.sock'],
    ];
    // xds: needs a bootstrap named in the environment (a pool with no channels never reads it).
    process.env.GRPC_XDS_BOOTSTRAP_CONFIG = '{}';
    try {
      for (const url of valid) startUp({ url, pool: { minChannels: 0 } })().close();
    } finally {
      delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
    }
    expect(startUp({ url: 'orders.internal:65536' })).toThrow('url "orders.internal:65536"');
    expect(startUp({ url: 'orders..:1' })).toThrow('url "orders..:1" must be host:port');
  });
});
