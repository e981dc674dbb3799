/**
 * One span per operation, from its start request (whose server span is its parent) to its end:
 * how long a training or backtest queued and ran, and how it ended.
 */
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { tracer } from '../telemetry/httpSpans';
import { isActive, type OperationInfo } from './operation';

export class OperationSpans {
  private readonly spans = new Map<string, Span>();

  started(op: OperationInfo): void {
    const span = tracer().startSpan(`services.${op.operation_type}`, {
      attributes: {
        'operation.id': op.operation_id,
        'operation.type': op.operation_type,
        strategy_name: op.metadata.strategy_name,
        ...(op.metadata.cycle_id && { cycle_id: op.metadata.cycle_id }),
      },
    });
    this.spans.set(op.operation_id, span);
  }

  /** Ends the operation's span once its record says it has ended; any other record is ignored. */
  saved(op: OperationInfo): void {
    const span = this.spans.get(op.operation_id);
    if (!span || isActive(op)) return;
    this.spans.delete(op.operation_id);
    span.setAttribute('operation.status', op.status);
    if (op.error_code) span.setAttribute('error.type', op.error_code);
    if (op.status === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: op.error_message });
    span.end();
  }
}
