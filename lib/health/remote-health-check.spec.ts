import { status, type Client, type ServiceError } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { checkRemoteHealth } from './remote-health-check.js';

type Callback = (error: ServiceError | null, servingStatus?: number) => void;

/** Stands in for a grpc-js client: records each call's options and lets the test answer it. */
function fakeClient() {
  const calls: { path: string; service: unknown; deadline: unknown; answer: Callback }[] = [];
  const client = {
    makeUnaryRequest(
      path: string,
      _serialize: unknown,
      _deserialize: unknown,
      service: unknown,
      _metadata: unknown,
      options: { deadline?: unknown },
      answer: Callback,
    ) {
      calls.push({ path, service, deadline: options.deadline, answer });
    },
  };
  return { client: client as unknown as Client, calls };
}

describe('checkRemoteHealth: bounded by timeoutMs', () => {
  const NOW = Date.UTC(2026, 0, 1);

  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(NOW);
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('gives the call a deadline of exactly timeoutMs from now (grpc-js enforces it)', () => {
    const { client, calls } = fakeClient();
    void checkRemoteHealth(client, 'test.v1.EchoService', 300);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      path: '/grpc.health.v1.Health/Check',
      service: 'test.v1.EchoService',
      deadline: NOW + 300,
    });
  });

  it('reports a deadline that passed as its outcome, never as a thrown error', async () => {
    const { client, calls } = fakeClient();
    const outcome = checkRemoteHealth(client, '', 300);
    jest.advanceTimersByTime(300);
    calls[0].answer({
      code: status.DEADLINE_EXCEEDED,
      details: 'Deadline exceeded',
    } as ServiceError);
    await expect(outcome).resolves.toEqual({
      service: '',
      error: 'DEADLINE_EXCEEDED: Deadline exceeded',
    });
  });

  it('answers the serving status by name', async () => {
    const { client, calls } = fakeClient();
    const outcome = checkRemoteHealth(client, '', 300);
    calls[0].answer(null, 2);
    await expect(outcome).resolves.toEqual({ service: '', status: 'NOT_SERVING' });
  });
});
