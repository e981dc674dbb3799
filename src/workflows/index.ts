/**
 * The workflows a worker runs: Temporal loads this module, and what it imports, into the workflow
 * sandbox.
 */
export { researchCycle } from './researchCycle';
