/** KTRDR's operation id: `op_{type}_{YYYYMMDD_HHMMSS}_{8 hex}`, time in UTC. */
import { randomBytes } from 'node:crypto';
import type { OperationType } from './operation';

export function newOperationId(type: OperationType, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `op_${type}_${stamp}_${randomBytes(4).toString('hex')}`;
}
