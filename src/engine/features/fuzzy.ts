/**
 * Fuzzy membership functions (spec §3.2). Memberships are in [0, 1]; NaN in (indicator
 * warm-up) gives NaN out, so a feature is never invented before its indicator exists.
 * Repeated feet make shoulders: trapezoidal [0, 0, 15, 25] is 1 from 0 to 15.
 */
import type { Bars } from '../data/bars';

export type MembershipFunction =
  | { type: 'triangular'; parameters: [number, number, number] }
  | { type: 'trapezoidal'; parameters: [number, number, number, number] }
  | { type: 'gaussian'; parameters: [number, number] };

export const MEMBERSHIP_ARITY = { triangular: 3, trapezoidal: 4, gaussian: 2 } as const;

/** Linear rise from `a` to `b`; a vertical edge when they coincide. */
function rise(x: number, a: number, b: number): number {
  if (x < a) return 0;
  if (x >= b) return 1;
  return (x - a) / (b - a);
}

function fall(x: number, c: number, d: number): number {
  if (x > d) return 0;
  if (x <= c) return 1;
  return (d - x) / (d - c);
}

export function fuzzify(mf: MembershipFunction, values: Float64Array, out = new Float64Array(values.length)): Float64Array {
  const n = values.length;
  if (mf.type === 'gaussian') {
    const [mu, sigma] = mf.parameters;
    const k = -1 / (2 * sigma * sigma);
    for (let i = 0; i < n; i++) {
      const d = values[i] - mu;
      out[i] = Math.exp(d * d * k);
    }
    return out;
  }
  const [a, b, c, d] = mf.type === 'triangular' ? [mf.parameters[0], mf.parameters[1], mf.parameters[1], mf.parameters[2]] : mf.parameters;
  if (a <= b && b <= c && c <= d) {
    // Ordered feet (always, for a validated strategy): one region test per value, each branch
    // evaluating exactly the expression rise/fall would, so the results are bit-identical.
    // Below b the fall is 1 and above c the rise is 1; between them both are; NaN fails
    // every comparison and lands in the last branch.
    const riseWidth = b - a;
    const fallWidth = d - c;
    for (let i = 0; i < n; i++) {
      const x = values[i];
      let y: number;
      if (x < b) y = x < a ? 0 : (x - a) / riseWidth;
      else if (x > c) y = x > d ? 0 : (d - x) / fallWidth;
      else y = x !== x ? NaN : 1;
      out[i] = y;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (x !== x) out[i] = NaN;
    else if (x < a || x > d) out[i] = 0;
    else out[i] = Math.min(rise(x, a, b), fall(x, c, d));
  }
  return out;
}

export type InputTransform = { type: 'identity' } | { type: 'price_ratio'; reference: 'open' | 'high' | 'low' | 'close' };

/** price_ratio turns a price-scaled indicator (an MA, a band) into reference / indicator, which fixed fuzzy ranges can describe. */
export function transformInput(transform: InputTransform | undefined, values: Float64Array, bars: Bars): Float64Array {
  if (!transform || transform.type === 'identity') return values;
  const reference = bars[transform.reference];
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] === 0 ? NaN : reference[i] / values[i];
  return out;
}
