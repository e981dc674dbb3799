export { researchCycle } from './researchCycle';
