import { describe, expect, test } from 'vitest';
import { MODEL_PRICES } from '../../src/domain/models';
import { MODEL_CUTOFFS, mayRemember, memoryWarning, trainingCutoff } from '../../src/design/modelMemory';

describe('what the designer may remember', () => {
  test('every priced model has a cutoff, a real date with its source', () => {
    for (const model of Object.keys(MODEL_PRICES)) {
      const cutoff = trainingCutoff(model);
      expect(cutoff, model).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(new Date(cutoff!).toISOString().slice(0, 10)).toBe(cutoff);
      expect(MODEL_CUTOFFS[model as keyof typeof MODEL_CUTOFFS].source).toMatch(/^https:\/\//);
    }
  });

  test('aliases resolve to their model; offline, nobody and unknown models have no cutoff', () => {
    expect(trainingCutoff('sonnet')).toBe(trainingCutoff('claude-sonnet-5-5'));
    expect(trainingCutoff('claude-haiku-4-5')).toBe('2025-07-31');
    expect(trainingCutoff('offline')).toBeUndefined();
    expect(trainingCutoff(undefined)).toBeUndefined();
    expect(trainingCutoff('gpt-9')).toBeUndefined();
  });

  test('a period that ends on or before the cutoff may be remembered, one that ends after may not', () => {
    expect(mayRemember({ model: 'claude-haiku-4-5', periodEnd: '2025-07-31T23:00:00Z' })).toBe(true);
    expect(mayRemember({ model: 'claude-haiku-4-5', periodEnd: '2025-08-01T00:00:00Z' })).toBe(false);
    expect(mayRemember({ model: 'claude-haiku-4-5', periodEnd: Date.parse('2019-12-31T00:00:00Z') })).toBe(true);
  });

  test('offline designs never remember, whatever the period', () => {
    expect(mayRemember({ model: 'offline', periodEnd: '1990-01-01' })).toBe(false);
    expect(memoryWarning({ model: 'offline', periodEnd: '1990-01-01' })).toBeUndefined();
  });

  test('the warning names the model and its cutoff', () => {
    expect(memoryWarning({ model: 'claude-opus-4-6', periodEnd: new Date('2020-03-01') })).toBe(
      'the designer (claude-opus-4-6, trained on data to 2025-08-31) may have seen this period',
    );
    expect(memoryWarning({ model: 'claude-opus-4-8', periodEnd: '2020-03-01' })).toBe(
      'the designer (claude-opus-4-8, trained on data to at most its release, 2026-05-28) may have seen this period',
    );
    expect(memoryWarning({ model: 'claude-opus-4-6', periodEnd: '2026-01-01' })).toBeUndefined();
  });
});
