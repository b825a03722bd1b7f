import { Controller, Get, Header } from '@nestjs/common';
import { register } from 'prom-client';

/**
 * `GET /metrics`: Prometheus text for a scraper. The pool registers its
 * `grpc_client_*` and `grpc_pool_*` metrics in prom-client's default registry
 * (`prometheus: true`), the one `@willsoto/nestjs-prometheus` serves too.
 */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
