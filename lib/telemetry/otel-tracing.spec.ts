import { describe, expect, it } from '@jest/globals';
import { serverOf } from './otel-tracing.js';

describe('server.address and server.port of a channel target', () => {
  it.each([
    ['127.0.0.1:50051', '127.0.0.1', 50051],
    ['orders.internal:443', 'orders.internal', 443],
    ['dns:///orders.svc.cluster.local:8080', 'orders.svc.cluster.local', 8080],
    ['dns://8.8.8.8/orders:9000', 'orders', 9000],
    ['ipv4:10.0.0.1:5000,10.0.0.2:5000', '10.0.0.1', 5000],
    ['[::1]:7000', '::1', 7000],
    ['ipv6:[::1]:7001', '::1', 7001],
    ['localhost', 'localhost', undefined],
    ['unix:/tmp/grpc.sock', '/tmp/grpc.sock', undefined],
    ['::1', '::1', undefined],
  ])('%s → %s %s', (target, address, port) => {
    expect(serverOf(target)).toEqual({ address, port });
  });
});
