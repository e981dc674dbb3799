/**
 * Workflow interceptors of a traced worker only (loaded by path into its bundle, after Temporal's
 * OpenTelemetry interceptors, so that Temporal's `RunWorkflow:researchCycle` span is the active
 * one here): a research cycle runs inside an `agent.research_cycle` span, the parent of its
 * activities' spans, and when it ends, that span gets its outcome and the phases it ran their
 * spans (domain/traceSpans.ts). The spans reach the exporter through Temporal's sink, never
 * during a replay; they issue no commands, so histories replay the same with or without them.
 */
import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import * as wf from '@temporalio/workflow';
import { CycleStatusSchema, type CycleStatus } from '../domain/cycle';
import { cycleEndAttributes, phaseSpans } from '../domain/traceSpans';
import { RESEARCH_WORKFLOW } from '../temporal/definitions';

/** The status a cycle ended with: its result, or its failure's details. */
function reportedStatus(value: unknown): CycleStatus | undefined {
  const parsed = CycleStatusSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function endCycle(span: Span, status: CycleStatus | undefined, err?: unknown): void {
  const now = Date.now();
  const outcome = status?.outcome ?? (err === undefined ? 'completed' : wf.isCancellation(err) ? 'cancelled' : 'failed');
  const tracer = trace.getTracer('ktrdr-agent');
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

class CycleSpan implements wf.WorkflowInboundCallsInterceptor {
  async execute(input: wf.WorkflowExecuteInput, next: wf.Next<wf.WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { workflowType, workflowId } = wf.workflowInfo();
    if (workflowType !== RESEARCH_WORKFLOW) return next(input);
    const attributes = { 'operation.id': workflowId, 'operation.type': 'research_cycle' };
    return trace.getTracer('ktrdr-agent').startActiveSpan('agent.research_cycle', { attributes }, async (span) => {
      try {
        const result = await next(input);
        endCycle(span, reportedStatus(result));
        return result;
      } catch (err) {
        endCycle(span, err instanceof wf.ApplicationFailure ? reportedStatus(err.details?.[0]) : undefined, err);
        throw err;
      }
    });
  }
}

export const interceptors: wf.WorkflowInterceptorsFactory = () => ({ inbound: [new CycleSpan()] });
