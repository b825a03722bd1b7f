import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GrpcPool } from '../../lib/index.js';
import { createGatewayApp } from '../../sample/gateway/gateway-app.js';
import { createOrdersApp } from '../../sample/orders/orders-app.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait-for.js';

/** A hang guard: the gateway sees orders gone within ms (its connections drop); only a hang reaches it. */
const HANG_GUARD_MS = 10_000;

/** The sample as `npm start` runs it: the orders microservice and the gateway, called over HTTP. */
describe('the sample: gateway -> pool -> orders', () => {
  let orders: INestMicroservice | undefined;
  let gateway: INestApplication;
  let base: string;

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { code: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const ordersUrl = `127.0.0.1:${await freePort()}`;
    orders = await createOrdersApp(ordersUrl);
    orders.useLogger(false);
    await orders.listen();
    gateway = await createGatewayApp(ordersUrl, false);
    await gateway.listen(0, '127.0.0.1');
    base = (await gateway.getUrl()).replace('[::1]', '127.0.0.1');
    // The tests below count READY channels: let both connect first (on a loaded machine this is not instant).
    const pool = gateway.get<GrpcPool>('ORDERS');
    await waitFor(
      () => pool.stats().channels.filter((channel) => channel.state === 'READY').length === 2,
      HANG_GUARD_MS,
      'both of the pool’s channels to be READY',
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await orders?.close();
  });

  it('GET /orders/:id answers the order, and 404 for a missing one', async () => {
    expect(await get('/orders/1')).toEqual({
      code: 200,
      body: { id: 1, item: 'coffee', quantity: 1 },
    });
    expect(await get('/orders/99')).toEqual({
      code: 404,
      body: { statusCode: 404, error: 'NOT_FOUND', message: 'order 99 not found' },
    });
  });

  it('GET /orders answers the server stream as a JSON array', async () => {
    const { code, body } = await get('/orders');
    expect(code).toBe(200);
    expect(body).toHaveLength(20);
    expect((body as unknown as { id: number }[]).map((order) => order.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('POST /orders: a bad order is a 400 listing each bad field, from the orders service', async () => {
    const post = async (order: object) => {
      const response = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      return { code: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await post({ item: 'pizza', quantity: 0 })).toEqual({
      code: 400,
      body: {
        statusCode: 400,
        error: 'INVALID_ARGUMENT',
        message: 'invalid order',
        fieldViolations: [
          { field: 'item', description: 'must be one of coffee, tea, cake, bagel' },
          { field: 'quantity', description: 'must be from 1 to 10' },
        ],
      },
    });
    const created = await post({ item: 'tea', quantity: 2 });
    expect(created.code).toBe(201);
    expect(created.body).toEqual({ id: 21, item: 'tea', quantity: 2 });
    expect((await get('/orders/21')).body).toEqual({ id: 21, item: 'tea', quantity: 2 });
  });

  it('GET /pool answers the stats; GET /health is ok with the remote check SERVING', async () => {
    const pool = await get('/pool');
    expect(pool.code).toBe(200);
    expect(pool.body).toMatchObject({ name: 'ORDERS', state: 'ready', inFlight: 0, queued: 0 });
    expect(pool.body.channels).toHaveLength(2);
    const health = await get('/health');
    expect(health).toMatchObject({
      code: 200,
      body: {
        status: 'ok',
        details: {
          orders: {
            status: 'up',
            remote: { service: 'orders.v1.OrdersService', status: 'SERVING' },
          },
        },
      },
    });
  });

  it('GET /metrics answers Prometheus text with the calls made through the gateway', async () => {
    await get('/orders/1');
    await get('/orders/99');
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const getOrder =
      'grpc_type="unary",grpc_service="orders.v1.OrdersService",grpc_method="GetOrder"';
    expect(text).toMatch(
      new RegExp(`grpc_client_handled_total\\{${getOrder},grpc_code="OK"\\} [1-9]`),
    );
    expect(text).toMatch(
      new RegExp(`grpc_client_handled_total\\{${getOrder},grpc_code="NotFound"\\} [1-9]`),
    );
    expect(text).toContain('grpc_pool_channels{pool="ORDERS",state="READY"} 2');
    expect(text).toContain('# TYPE grpc_client_handling_seconds histogram');
  });

  it('GET /health turns 503 once the orders service shuts down', async () => {
    await orders!.close();
    orders = undefined;
    await waitFor(
      async () => (await get('/health')).code === 503,
      HANG_GUARD_MS,
      '/health to say down',
    );
    const { body } = await get('/health');
    expect(body.status).toBe('error');
    // And a call through the gateway fails as a gRPC UNAVAILABLE would: 503.
    expect((await get('/orders/1')).code).toBe(503);
  });
});
