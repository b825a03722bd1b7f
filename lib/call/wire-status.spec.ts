import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { describe, expect, it } from '@jest/globals';
import { errorFromWire, statusFromWire, wireStatus } from './wire-status.js';

/** A ServiceError as grpc-js builds one (callErrorFromStatus). */
function grpcJsError(code: number, details: string): ServiceError {
  const message = `${code} ${status[code]}: ${details}`;
  return Object.assign(new Error(message), { code, details, metadata: new Metadata() });
}

const REFUSED = 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1';

describe('wireStatus', () => {
  it.each([
    [50000000, 'received grpc-status 50000000, not a gRPC code'],
    [-1, 'received grpc-status -1, not a gRPC code'],
    [2.5, 'received grpc-status 2.5, not a gRPC code'],
    [17, 'received grpc-status 17, not a gRPC code'],
    [Infinity, 'received grpc-status Infinity, not a gRPC code'],
    [NaN, 'received a grpc-status that is not a number'],
  ])('makes %s UNKNOWN and says what was received', (code, note) => {
    expect(wireStatus(code, 'odd')).toEqual({ code: status.UNKNOWN, details: `odd (${note})` });
    expect(wireStatus(code, '')).toEqual({ code: status.UNKNOWN, details: note });
  });

  it('keeps every gRPC code and its details as they are', () => {
    for (let code = status.OK; code <= status.UNAUTHENTICATED; code++) {
      expect(wireStatus(code, 'as sent')).toEqual({ code, details: 'as sent' });
    }
  });

  it("drops grpc-js's empty resolution note, and keeps one that says something", () => {
    expect(wireStatus(status.UNAVAILABLE, `${REFUSED}. Resolution note: `)).toEqual({
      code: status.UNAVAILABLE,
      details: REFUSED,
    });
    const noted = `${REFUSED}. Resolution note: DNS answered no addresses`;
    expect(wireStatus(status.UNAVAILABLE, noted).details).toBe(noted);
  });
});

describe('statusFromWire', () => {
  it('returns the same object when nothing changes', () => {
    const received: StatusObject = {
      code: status.NOT_FOUND,
      details: 'no',
      metadata: new Metadata(),
    };
    expect(statusFromWire(received)).toBe(received);
  });

  it('keeps the trailers of a status it normalises', () => {
    const metadata = new Metadata();
    metadata.set('x-trailer', 'kept');
    const normalised = statusFromWire({ code: -1 as status, details: 'odd', metadata });
    expect(normalised).toEqual({
      code: status.UNKNOWN,
      details: 'odd (received grpc-status -1, not a gRPC code)',
      metadata,
    });
  });
});

describe('errorFromWire', () => {
  it('returns the same error when nothing changes', () => {
    const error = grpcJsError(status.UNAVAILABLE, 'down');
    expect(errorFromWire(error)).toBe(error);
  });

  it('gives an odd code the shape callers check: code, details, message, metadata', () => {
    const error = grpcJsError(50000000, 'odd');
    const normalised = errorFromWire(error);
    expect(normalised).toBeInstanceOf(Error);
    expect(normalised).toMatchObject({
      code: status.UNKNOWN,
      details: 'odd (received grpc-status 50000000, not a gRPC code)',
      message: '2 UNKNOWN: odd (received grpc-status 50000000, not a gRPC code)',
      metadata: error.metadata,
    });
    // The call site grpc-js recorded stays, under the new message.
    expect(normalised.stack?.split('\n')[0]).toBe(`Error: ${normalised.message}`);
    expect(normalised.stack?.split('\n').slice(1)).toEqual(error.stack?.split('\n').slice(1));
  });

  it('drops the empty resolution note from the message too', () => {
    const normalised = errorFromWire(
      grpcJsError(status.UNAVAILABLE, `${REFUSED}. Resolution note: `),
    );
    expect(normalised.details).toBe(REFUSED);
    expect(normalised.message).toBe(`14 UNAVAILABLE: ${REFUSED}`);
  });
});
