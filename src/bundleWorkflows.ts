/**
 * Build step: bundles the workflow code once, so a worker starts in about a second
 * instead of running webpack at every start (Temporal's advice for production).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { BUNDLE_PATH, workflowsPath } from './worker';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: new DefaultLogger('WARN') });
  fs.writeFileSync(BUNDLE_PATH, code);
  console.log(`workflow bundle: ${path.relative(process.cwd(), BUNDLE_PATH)} (${(code.length / 1e6).toFixed(1)} MB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
