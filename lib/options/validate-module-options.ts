import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import type {
  GrpcPoolAsyncClientOptions,
  GrpcPoolModuleAsyncOptions,
  GrpcPoolModuleOptions,
  GrpcPoolRootAsyncOptions,
  GrpcPoolRootOptions,
} from '../interfaces/module-options.interface.js';
import { keysOf } from './keys-of.js';
import { describe, isPlainObject, OptionRules } from './option-rules.js';
import { CLIENT_OPTION_KEYS } from './option-keys.js';
import { validatePrometheus } from './validate-telemetry-options.js';

/** `register()` and `registerAsync()` take the same top-level keys (only their `clients` differ). */
const REGISTER_KEYS = keysOf<GrpcPoolModuleOptions & GrpcPoolModuleAsyncOptions>({
  clients: true,
  isGlobal: true,
  prometheus: true,
});
const ASYNC_CLIENT_KEYS = keysOf<GrpcPoolAsyncClientOptions>({
  name: true,
  imports: true,
  useFactory: true,
  inject: true,
  useClass: true,
  useExisting: true,
  extraProviders: true,
});
const ROOT_KEYS = keysOf<GrpcPoolRootOptions>({ defaults: true, prometheus: true });
const ROOT_ASYNC_KEYS = keysOf<GrpcPoolRootAsyncOptions>({
  imports: true,
  useFactory: true,
  inject: true,
});
/** `forRoot` defaults are client options without the client's identity. */
const DEFAULT_KEYS = CLIENT_OPTION_KEYS.filter((key) => key !== 'name');

/**
 * `register()` / `registerAsync()` options: known keys, a list of client
 * entries that are objects with a name, and no name twice (the last one
 * would silently win as the provider). Each client's own options are
 * checked when its pool is built.
 */
export function validateModuleOptions(options: unknown, form: 'register' | 'registerAsync'): void {
  const rules: OptionRules = new OptionRules(undefined, `GrpcPoolModule.${form}()`);
  if (!isPlainObject(options))
    rules.fail('options', `must be an object (got ${describe(options)})`);
  rules.knownKeys(options, 'options', REGISTER_KEYS);
  rules.boolean(options.isGlobal, 'isGlobal');
  validatePrometheus(rules, options.prometheus);
  const { clients } = options;
  if (!Array.isArray(clients)) {
    rules.fail('clients', `must be an array of client options (got ${describe(clients)})`);
  }
  const seen = new Map<GrpcPoolName, number>();
  clients.forEach((client: unknown, i: number) => {
    const field = `clients[${i}]`;
    if (!isPlainObject(client)) rules.fail(field, `must be an object (got ${describe(client)})`);
    const name = client.name;
    if (!isPoolName(name)) {
      rules.fail(`${field}.name`, `must be a non-empty string or a symbol (got ${describe(name)})`);
    }
    if (form === 'registerAsync') rules.knownKeys(client, field, ASYNC_CLIENT_KEYS);
    const first = seen.get(name);
    if (first !== undefined) {
      const named: OptionRules = new OptionRules(name);
      named.fail(
        'name',
        `is registered twice in one GrpcPoolModule.${form}() (clients[${first}] and ${field}): ` +
          'each client needs its own name',
      );
    }
    seen.set(name, i);
  });
}

/** `forRoot()` / `forRootAsync()` options: known keys; `defaults` keys are client options. */
export function validateRootOptions(options: unknown, form: 'forRoot' | 'forRootAsync'): void {
  const rules: OptionRules = new OptionRules(undefined, `GrpcPoolModule.${form}()`);
  if (!isPlainObject(options))
    rules.fail('options', `must be an object (got ${describe(options)})`);
  if (form === 'forRootAsync') {
    rules.knownKeys(options, 'options', ROOT_ASYNC_KEYS);
    if (typeof options.useFactory !== 'function') {
      rules.fail('useFactory', `must be a function (got ${describe(options.useFactory)})`);
    }
    return;
  }
  rules.knownKeys(options, 'options', ROOT_KEYS);
  rules.knownKeys(options.defaults, 'defaults', DEFAULT_KEYS);
  validatePrometheus(rules, options.prometheus);
}

/**
 * What a `forRootAsync()` factory returned: `{ defaults }`, checked as
 * `forRoot()` checks its options. Without this, `null`, a typo or the
 * defaults themselves without the `defaults` wrapper would start silently
 * with no defaults at all.
 */
export function validateRootFactoryResult(result: unknown): void {
  const rules: OptionRules = new OptionRules(undefined, 'GrpcPoolModule.forRootAsync()');
  if (!isPlainObject(result)) {
    rules.fail('useFactory()', `must return { defaults: {...} } (got ${describe(result)})`);
  }
  const stray = Object.keys(result).find((key) => !(ROOT_KEYS as readonly string[]).includes(key));
  if (stray !== undefined && (DEFAULT_KEYS as readonly string[]).includes(stray)) {
    rules.fail(
      `useFactory().${stray}`,
      'is a client option: return it inside defaults ({ defaults: { ... } })',
    );
  }
  rules.knownKeys(result, 'useFactory()', ROOT_KEYS);
  rules.knownKeys(result.defaults, 'useFactory().defaults', DEFAULT_KEYS);
  validatePrometheus(rules, result.prometheus, 'useFactory().prometheus');
}

function isPoolName(name: unknown): name is GrpcPoolName {
  return typeof name === 'symbol' || (typeof name === 'string' && name !== '');
}
