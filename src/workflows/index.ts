export { researchCycle } from './researchCycle';
export { researchLoop } from './researchLoop';
