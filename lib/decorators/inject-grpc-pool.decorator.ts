import { Inject } from '@nestjs/common';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';

/**
 * Injects the pooled client registered under `name`. The same as
 * `@Inject(name)`: the token is the name itself, as in `ClientsModule`.
 * @publicApi
 */
export const InjectGrpcPool = (name: GrpcPoolName): PropertyDecorator & ParameterDecorator =>
  Inject(name);
