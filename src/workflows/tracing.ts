/**
 * The workflow interceptors of a traced worker, loaded by path into its own bundle (never into
 * the untraced one): Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry),
 * and inside their `RunWorkflow:researchCycle` span an `agent.research_cycle` span, the parent of
 * the cycle's activities' spans; when the cycle ends, that span gets its outcome and the phases
 * it ran their spans (domain/traceSpans.ts; a cancelled cycle's from the status attached to its
 * cancellation, domain/cancelledStatus.ts). The spans reach the exporter through Temporal's
 * sink, never during a replay, and issue no commands.
 *
 * Temporal's interceptors await around each call they trace (and yield once more where a replayed
 * workflow task did not record the SDK flag that only traced workers record), so the workflow's
 * code resumes a few microtasks later than without them: a history made untraced replays on a
 * traced worker with its commands in another order — a loop's update answer and its next child
 * swap, a nondeterminism error — and the reverse. Here each traced call returns the very promise
 * the call returned, its span ended on the side, so the workflow runs at the same pace traced or
 * not and histories replay either way (test/workflow/tracedReplay.test.ts). Temporal's classes
 * are kept for their tracer (they register the sandbox's provider and context manager), their
 * queries' and log attributes' handling, and their span names.
 */
import { context, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { extractContextFromHeaders, headersWithContext, UPDATE_ID_ATTR_KEY } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
  SpanName,
  SPAN_DELIMITER,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import * as wf from '@temporalio/workflow';
import { attachedStatus } from '../domain/cancelledStatus';
import { CycleStatusSchema, type CycleStatus } from '../domain/cycle';
import { cycleEndAttributes, phaseSpans } from '../domain/traceSpans';
import { RESEARCH_WORKFLOW } from '../temporal/definitions';

/**
 * Runs `call` with a new span (the child of `parent`, else of the active span) as the active one
 * and returns call's own promise; the span ends when it settles, by `end` when given.
 */
function traced<T>(
  tracer: Tracer,
  name: string,
  call: () => Promise<T>,
  {
    parent = context.active(),
    attributes,
    end,
  }: { parent?: Context; attributes?: Attributes; end?: (span: Span, result: { value: T } | { error: unknown }) => void } = {},
): Promise<T> {
  const span = tracer.startSpan(name, { attributes }, parent);
  const promise = context.with(trace.setSpan(parent, span), call);
  const finish = end ?? defaultEnd;
  promise.then(
    (value) => finish(span, { value }),
    (error: unknown) => finish(span, { error }),
  );
  return promise;
}

function defaultEnd(span: Span, result: { error: unknown } | object): void {
  if ('error' in result && !(result.error instanceof wf.ContinueAsNew)) {
    span.recordException(result.error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (result.error as Error)?.message });
  } else span.setStatus({ code: SpanStatusCode.OK });
  span.end();
}

const named = (kind: SpanName, what: string) => `${kind}${SPAN_DELIMITER}${what}`;

/** The status a cycle ended with: its result, or its failure's details. */
function reportedStatus(value: unknown): CycleStatus | undefined {
  const parsed = CycleStatusSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The cycle span's end: its outcome, and the spans of the phases it ran. */
function endCycle(tracer: Tracer, span: Span, result: { value: unknown } | { error: unknown }): void {
  const now = Date.now();
  const err = 'error' in result ? result.error : undefined;
  const status = reportedStatus('value' in result ? result.value : err instanceof wf.ApplicationFailure ? err.details?.[0] : undefined) ?? attachedStatus(err);
  const outcome = status?.outcome ?? (err === undefined ? 'completed' : wf.isCancellation(err) ? 'cancelled' : 'failed');
  const parent = trace.setSpan(context.active(), span);
  for (const phase of status ? phaseSpans(status, now) : []) {
    const child = tracer.startSpan(phase.name, { startTime: phase.startTime, attributes: phase.attributes }, parent);
    if (phase.error) child.setStatus({ code: SpanStatusCode.ERROR, message: phase.error });
    child.end(phase.endTime);
  }
  span.setAttributes(cycleEndAttributes(outcome, status, err instanceof Error ? err.message : undefined));
  if (outcome === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: status?.failure?.reason ?? (err as Error | undefined)?.message });
  span.end(now);
}

class Inbound extends OpenTelemetryInboundInterceptor {
  override execute(input: wf.WorkflowExecuteInput, next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { workflowType, workflowId } = wf.workflowInfo();
    const parent = extractContextFromHeaders(input.headers);
    return traced(
      this.tracer,
      named(SpanName.WORKFLOW_EXECUTE, workflowType),
      () => {
        if (workflowType !== RESEARCH_WORKFLOW) return next(input);
        return traced(this.tracer, 'agent.research_cycle', () => next(input), {
          attributes: { 'operation.id': workflowId, 'operation.type': 'research_cycle' },
          end: (span, result) => endCycle(this.tracer, span, result),
        });
      },
      { ...(parent && { parent }) },
    );
  }

  override handleSignal(input: wf.SignalInput, next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const parent = extractContextFromHeaders(input.headers);
    return traced(this.tracer, named(SpanName.WORKFLOW_HANDLE_SIGNAL, input.signalName), () => next(input), { ...(parent && { parent }) });
  }

  override handleUpdate(input: wf.UpdateInput, next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    const parent = extractContextFromHeaders(input.headers);
    return traced(
      this.tracer,
      named(SpanName.WORKFLOW_HANDLE_UPDATE, input.name),
      () => {
        trace.getActiveSpan()?.setAttribute(UPDATE_ID_ATTR_KEY, input.updateId);
        return next(input);
      },
      { ...(parent && { parent }) },
    );
  }
}

class Outbound extends OpenTelemetryOutboundInterceptor {
  override scheduleActivity(input: wf.ActivityInput, next: wf.Next<wf.WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return traced(this.tracer, named(SpanName.ACTIVITY_START, input.activityType), () => next({ ...input, headers: headersWithContext(input.headers) }));
  }

  override scheduleLocalActivity(input: wf.LocalActivityInput, next: wf.Next<wf.WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return traced(this.tracer, named(SpanName.ACTIVITY_START, input.activityType), () => next({ ...input, headers: headersWithContext(input.headers) }));
  }

  override startChildWorkflowExecution(
    input: wf.StartChildWorkflowExecutionInput,
    next: wf.Next<wf.WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return traced(this.tracer, named(SpanName.CHILD_WORKFLOW_START, input.workflowType), () => next({ ...input, headers: headersWithContext(input.headers) }));
  }

  override signalWorkflow(input: wf.SignalWorkflowInput, next: wf.Next<wf.WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    return traced(this.tracer, named(SpanName.WORKFLOW_SIGNAL, input.signalName), () => next({ ...input, headers: headersWithContext(input.headers) }));
  }

  override continueAsNew(input: wf.ContinueAsNewInput, next: wf.Next<wf.WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return traced(this.tracer, named(SpanName.CONTINUE_AS_NEW, input.options.workflowType), () =>
      next({ ...input, headers: headersWithContext(input.headers) }),
    );
  }
}

export const interceptors: wf.WorkflowInterceptorsFactory = () => ({
  inbound: [new Inbound()],
  outbound: [new Outbound()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
