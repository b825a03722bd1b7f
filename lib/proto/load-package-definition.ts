import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import type { GrpcPoolClientOptions } from '../interfaces/client-options.interface.js';
import { OptionRules } from '../options/option-rules.js';

/**
 * The client's package definition: the one it was given, or its proto files
 * loaded with its loader options. A missing file is named before protobufjs
 * gets a chance to report it less clearly.
 */
export function loadPackageDefinition(options: GrpcPoolClientOptions): PackageDefinition {
  if (options.packageDefinition !== undefined) return options.packageDefinition;
  const rules: OptionRules = new OptionRules(options.name);
  const protoPaths = ([] as string[]).concat(options.protoPath ?? []);
  const includeDirs = options.loader?.includeDirs ?? [];
  for (const protoPath of protoPaths) {
    if (!protoFileExists(protoPath, includeDirs)) {
      const where =
        includeDirs.length > 0
          ? ` (also looked in loader.includeDirs: ${includeDirs.join(', ')})`
          : '';
      rules.fail('protoPath', `"${protoPath}" does not exist${where}`);
    }
  }
  try {
    return loadSync(protoPaths, options.loader);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    return rules.fail('protoPath', `could not be loaded: ${reason}`);
  }
}

/** proto-loader resolves relative paths against the working directory, then includeDirs. */
function protoFileExists(protoPath: string, includeDirs: readonly string[]): boolean {
  if (isAbsolute(protoPath)) return existsSync(protoPath);
  return (
    existsSync(resolve(protoPath)) || includeDirs.some((dir) => existsSync(resolve(dir, protoPath)))
  );
}
