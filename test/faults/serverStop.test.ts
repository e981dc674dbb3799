import { describe, test } from 'vitest';
import { expectServerOutageSurvived } from '../support/faultChecks';

describe('the Temporal server stopped (SIGTERM) for 45 s mid-training, then restarted', () => {
  test('the training goes on, and the cycle completes with one training', { timeout: 400_000 }, () => expectServerOutageSurvived('SIGTERM', 45_000, 60));
});
