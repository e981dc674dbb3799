/**
 * The custom search attributes a cycle sets (temporal/definitions.ts), registered in a namespace
 * that lacks them.
 */
import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from './definitions';

export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly (typeof SEARCH_ATTRIBUTES)[number][] = SEARCH_ATTRIBUTES,
): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(keys.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!])),
  });
}

/**
 * Registers the project's search attributes in the namespace if they are missing. The
 * dev server needs this before a workflow can upsert them; on a cluster, an operator may
 * have done it already (or the worker may lack the right).
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((key) => !(customAttributes && key.name in customAttributes));
  if (missing.length > 0) await registerSearchAttributes(connection, namespace, missing);
  return missing.map((key) => key.name);
}
