/**
 * Spans of the services' HTTP calls, client and server side, named and attributed by
 * OpenTelemetry's HTTP conventions (`POST /api/v1/trainings/start`), with the W3C trace context
 * carried in the `traceparent` header so that the server's span is the child of the client's.
 * With no tracer provider registered (tracing off) they cost a no-op span each.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';

export const tracer = () => trace.getTracer('ktrdr-agent');

/** A path (without its query) as a route: an operation's id as `{operation_id}`, so that every poll has one span name. */
function routeOf(pathname: string): string {
  return pathname.replace(/\/operations\/[^/]+$/, '/operations/{operation_id}');
}

function endWithStatus(span: Span, status: number): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute(ATTR_ERROR_TYPE, String(status));
  span.end();
}

function endWithError(span: Span, err: unknown): void {
  span.recordException(err as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message }).setAttribute(ATTR_ERROR_TYPE, (err as Error).name ?? 'Error');
  span.end();
}

/** `fetch`, in a client span whose context goes with the request. */
export async function tracedFetch(url: string, init: RequestInit & { method: string }): Promise<Response> {
  const { pathname, hostname, port, protocol } = new URL(url);
  const route = routeOf(pathname);
  const span = tracer().startSpan(`${init.method} ${route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: init.method,
      [ATTR_URL_FULL]: url,
      [ATTR_HTTP_ROUTE]: route,
      [ATTR_SERVER_ADDRESS]: hostname,
      [ATTR_SERVER_PORT]: Number(port) || (protocol === 'https:' ? 443 : 80),
    },
  });
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
  propagation.inject(trace.setSpan(context.active(), span), headers);
  try {
    const response = await fetch(url, { ...init, headers });
    endWithStatus(span, response.status);
    return response;
  } catch (err) {
    endWithError(span, err);
    throw err;
  }
}

/**
 * Runs a request's handler in a server span, the child of the caller's span when the request
 * carries its context; the spans the handler starts are the server span's children.
 */
export async function serveTraced<R extends { status: number }>(
  request: { method: string; path: string; headers: IncomingHttpHeaders },
  handle: () => Promise<R>,
): Promise<R> {
  const path = request.path.replace(/\?.*$/, '');
  const route = routeOf(path);
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = tracer().startSpan(
    `${request.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_HTTP_ROUTE]: route, [ATTR_URL_PATH]: path },
    },
    parent,
  );
  try {
    const reply = await context.with(trace.setSpan(parent, span), handle);
    endWithStatus(span, reply.status);
    return reply;
  } catch (err) {
    endWithError(span, err);
    throw err;
  }
}
