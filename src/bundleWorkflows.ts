/**
 * Build step: bundles the workflow code once, so a worker starts in about a second
 * instead of running webpack at every start (Temporal's advice for production).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { tracedWorkflowModules } from './temporal/tracing';
import { BUNDLE_PATH, TRACED_BUNDLE_PATH, workflowsPath } from './worker';

async function bundle(file: string, workflowInterceptorModules?: string[]): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), workflowInterceptorModules, logger: new DefaultLogger('WARN') });
  fs.writeFileSync(file, code);
  console.log(`workflow bundle: ${path.relative(process.cwd(), file)} (${(code.length / 1e6).toFixed(1)} MB)`);
}

/** One bundle for workers that do not trace, which load none of OpenTelemetry, and one for those that do. */
async function main(): Promise<void> {
  await bundle(BUNDLE_PATH);
  await bundle(TRACED_BUNDLE_PATH, tracedWorkflowModules());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
