export { admission } from './admission';
export { researchCycle } from './researchCycle';
