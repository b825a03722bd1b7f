/** An express `Response`, as far as an error answer needs it. */
interface ExpressResponse {
  headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  status(code: number): ExpressResponse;
  json(body: unknown): unknown;
  end(): unknown;
}

/** A fastify `FastifyReply`, as far as an error answer needs it. */
interface FastifyReply {
  sent: boolean;
  header(name: string, value: string): unknown;
  code(code: number): FastifyReply;
  send(body: unknown): unknown;
}

function isExpressResponse(value: unknown): value is ExpressResponse {
  const response = value as Partial<ExpressResponse> | null;
  return typeof response?.json === 'function' && typeof response.status === 'function';
}

function isFastifyReply(value: unknown): value is FastifyReply {
  const reply = value as Partial<FastifyReply> | null;
  return typeof reply?.send === 'function' && typeof reply.code === 'function';
}

/**
 * Answers with a JSON body as Nest's express and fastify adapters do, for a
 * filter created with `new` (`useGlobalFilters`, `@UseFilters(new ...)`):
 * Nest injects nothing into those, so they have no adapter to answer with.
 */
export function replyWithoutAdapter(
  response: unknown,
  body: object,
  statusCode: number,
  headers: Record<string, string> = {},
): void {
  if (isExpressResponse(response)) {
    if (response.headersSent) return void response.end();
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(statusCode).json(body);
  } else if (isFastifyReply(response)) {
    if (response.sent) return;
    for (const [name, value] of Object.entries(headers)) response.header(name, value);
    response.code(statusCode).send(body);
  } else {
    throw new Error(
      'GrpcToHttpExceptionFilter: the response is neither express nor fastify; register the filter ' +
        'with APP_FILTER or @UseFilters(GrpcToHttpExceptionFilter) so Nest gives it its HTTP adapter',
    );
  }
}
