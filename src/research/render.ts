/** A strategy document written as YAML, in the layout of the hand-written examples. */
import { Document, isCollection } from 'yaml';

/** Small maps written on one line, as in the hand-written examples. */
const FLOW_PATHS = [
  ['training_data', 'symbols'],
  ['training_data', 'timeframes'],
  ['deployment', 'target_symbols'],
  ['deployment', 'target_timeframes'],
  ['model', 'architecture'],
  ['model', 'features'],
  ['model', 'training', 'early_stopping'],
  ['decisions', 'filters'],
  ['training', 'labels'],
  ['training', 'data_split'],
];

const asMapping = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * YAML laid out like the hand-written examples: small maps on one line. Takes any mapping —
 * a designer's draft may be malformed, and the validator then reports where.
 */
export function renderStrategy(document: Record<string, unknown>): string {
  const yaml = new Document(document);
  const flowAt = (path: (string | number)[]) => {
    const node = yaml.getIn(path, true);
    if (isCollection(node)) node.flow = true;
  };
  FLOW_PATHS.forEach(flowAt);
  if (Array.isArray(document.indicators)) document.indicators.forEach((_, i) => flowAt(['indicators', i]));
  for (const [featureId, sets] of Object.entries(asMapping(document.fuzzy_sets))) {
    for (const setName of Object.keys(asMapping(sets))) flowAt(['fuzzy_sets', featureId, setName]);
  }
  return yaml.toString({ lineWidth: 0, flowCollectionPadding: false });
}
