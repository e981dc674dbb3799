import { describe, test } from 'vitest';
import { expectServerOutageSurvived } from '../support/faultChecks';

describe('the Temporal server killed (SIGKILL) mid-training, then restarted', () => {
  test('after 45 s: the training goes on, and the cycle completes with one training', { timeout: 400_000 }, () =>
    expectServerOutageSurvived('SIGKILL', 45_000, 60),
  );

  test('after 20 s: the training goes on, and the cycle completes with one training', { timeout: 400_000 }, () =>
    expectServerOutageSurvived('SIGKILL', 20_000, 35),
  );
});
