/**
 * The workflows a worker runs: Temporal loads this module, and what it imports, into the workflow
 * sandbox.
 */
export { admission } from './admission';
export { researchCycle } from './researchCycle';
export { researchLoop } from './researchLoop';
