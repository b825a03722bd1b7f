import { describe, expect, it } from '@jest/globals';
import { ECHO_PACKAGE, ECHO_PROTO } from '../../test/support/protos.js';
import { GrpcPoolOptionsError } from '../errors/invalid-options.error.js';
import { GrpcPoolModule } from '../grpc-pool.module.js';

const client = { name: 'ORDERS', package: ECHO_PACKAGE, protoPath: ECHO_PROTO, url: '127.0.0.1:1' };
const factory = { name: 'ORDERS', useFactory: () => client };

/** The module's forms, called the way a user's code would (bad input included). */
const forms = GrpcPoolModule as unknown as Record<
  'register' | 'registerAsync' | 'forRoot' | 'forRootAsync',
  (options: unknown) => unknown
>;

describe('module options are validated when the module is declared', () => {
  it.each([
    [
      'register',
      {},
      'GrpcPoolModule.register(): clients must be an array of client options (got undefined)',
    ],
    ['register', undefined, 'GrpcPoolModule.register(): options must be an object (got undefined)'],
    [
      'register',
      { clients: [null] },
      'GrpcPoolModule.register(): clients[0] must be an object (got null)',
    ],
    [
      'register',
      { clients: [{ ...client, name: '' }] },
      'GrpcPoolModule.register(): clients[0].name must be a non-empty string or a symbol (got "")',
    ],
    [
      'register',
      { clients: [client], tracing: true },
      'GrpcPoolModule.register(): options.tracing is not a known option (known: clients, isGlobal, prometheus)',
    ],
    [
      'register',
      { clients: [client], isGlobal: 'yes' },
      'GrpcPoolModule.register(): isGlobal must be a boolean (got "yes")',
    ],
    [
      'register',
      { clients: [client, { ...client, url: '127.0.0.1:2' }] },
      'gRPC pool "ORDERS": name is registered twice in one GrpcPoolModule.register() (clients[0] and clients[1]): each client needs its own name',
    ],
    [
      'registerAsync',
      { clients: [factory], isGlobl: true },
      'GrpcPoolModule.registerAsync(): options.isGlobl is not a known option (known: clients, isGlobal, prometheus); did you mean isGlobal?',
    ],
    [
      'registerAsync',
      { clients: [{ ...factory, useFactry: () => client }] },
      'GrpcPoolModule.registerAsync(): clients[0].useFactry is not a known option',
    ],
    [
      'registerAsync',
      { clients: [factory, factory] },
      'gRPC pool "ORDERS": name is registered twice in one GrpcPoolModule.registerAsync()',
    ],
    [
      'forRoot',
      { defaults: {}, tracing: true },
      'GrpcPoolModule.forRoot(): options.tracing is not a known option (known: defaults, prometheus)',
    ],
    [
      'forRoot',
      { defaults: { name: 'X' } },
      'GrpcPoolModule.forRoot(): defaults.name is not a known option',
    ],
    [
      'forRootAsync',
      { useFactory: () => ({ defaults: {} }), isGlobal: true },
      'GrpcPoolModule.forRootAsync(): options.isGlobal is not a known option',
    ],
  ] as const)('%s(%j)', (form, options, message) => {
    const declare = (): unknown => forms[form](options);
    expect(declare).toThrow(GrpcPoolOptionsError);
    expect(declare).toThrow(`Invalid options for ${message}`);
  });

  it('names the module form and no client when the module options are wrong', () => {
    try {
      forms.register({ clients: [null] });
      throw new Error('expected a throw');
    } catch (error: unknown) {
      expect(error).toMatchObject({ poolName: undefined, field: 'clients[0]' });
    }
  });

  it('accepts what the README and docs/configuration.md show, and not the same with an unknown key', () => {
    expect(() => forms.register({ clients: [client], isGlobal: true })).not.toThrow();
    expect(() => forms.registerAsync({ clients: [factory] })).not.toThrow();
    expect(() => forms.forRoot({ defaults: { pool: { maxChannels: 2 } } })).not.toThrow();
    expect(() => forms.register({ clients: [client], isGlobal: true, other: 1 })).toThrow(
      'options.other is not a known option',
    );
  });
});
