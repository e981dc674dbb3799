/**
 * C = A·B (+ bias per column), m×n, over k, on flat Float64Arrays. A has explicit strides,
 * so the same kernel reads x or xᵀ; B's rows are contiguous (`bRow` apart):
 *   C[i·n + j] = bias[j] + Σ_p A[i·aRow + p·aCol] · B[p·bRow + j].
 * V8 does not vectorise, so speed comes from register blocking: a 4×4 tile keeps 16
 * running sums in registers and loads 8 operands per 16 multiply-adds (a plain
 * row-times-column loop loads 2 per 1 and round-trips every sum through memory,
 * ~7× slower here). Edges that do not fill a tile use 4×1, 1×4 and 1×1 tiles.
 * Float64 throughout: V8 computes in doubles, and Float32Array loads and stores would
 * add a conversion each without making these cache-resident buffers any faster.
 */
export function gemm(
  a: Float64Array,
  aRow: number,
  aCol: number,
  b: Float64Array,
  bRow: number,
  bias: Float64Array | null,
  c: Float64Array,
  m: number,
  n: number,
  k: number,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    for (let j = 0; j < n4; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
      let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      let pa = i * aRow;
      let pb = j;
      for (let p = 0; p < k; p++) {
        const b0 = b[pb], b1 = b[pb + 1], b2 = b[pb + 2], b3 = b[pb + 3];
        let v = a[pa];
        s00 += v * b0; s01 += v * b1; s02 += v * b2; s03 += v * b3;
        v = a[pa + aRow];
        s10 += v * b0; s11 += v * b1; s12 += v * b2; s13 += v * b3;
        v = a[pa + 2 * aRow];
        s20 += v * b0; s21 += v * b1; s22 += v * b2; s23 += v * b3;
        v = a[pa + 3 * aRow];
        s30 += v * b0; s31 += v * b1; s32 += v * b2; s33 += v * b3;
        pa += aCol;
        pb += bRow;
      }
      if (bias !== null) {
        const c0 = bias[j], c1 = bias[j + 1], c2 = bias[j + 2], c3 = bias[j + 3];
        s00 += c0; s01 += c1; s02 += c2; s03 += c3;
        s10 += c0; s11 += c1; s12 += c2; s13 += c3;
        s20 += c0; s21 += c1; s22 += c2; s23 += c3;
        s30 += c0; s31 += c1; s32 += c2; s33 += c3;
      }
      let o = i * n + j;
      c[o] = s00; c[o + 1] = s01; c[o + 2] = s02; c[o + 3] = s03;
      o += n;
      c[o] = s10; c[o + 1] = s11; c[o + 2] = s12; c[o + 3] = s13;
      o += n;
      c[o] = s20; c[o + 1] = s21; c[o + 2] = s22; c[o + 3] = s23;
      o += n;
      c[o] = s30; c[o + 1] = s31; c[o + 2] = s32; c[o + 3] = s33;
    }
    for (let j = n4; j < n; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let pa = i * aRow;
      let pb = j;
      for (let p = 0; p < k; p++) {
        const w = b[pb];
        s0 += a[pa] * w;
        s1 += a[pa + aRow] * w;
        s2 += a[pa + 2 * aRow] * w;
        s3 += a[pa + 3 * aRow] * w;
        pa += aCol;
        pb += bRow;
      }
      const c0 = bias === null ? 0 : bias[j];
      const o = i * n + j;
      c[o] = s0 + c0;
      c[o + n] = s1 + c0;
      c[o + 2 * n] = s2 + c0;
      c[o + 3 * n] = s3 + c0;
    }
  }
  for (let i = m4; i < m; i++) {
    for (let j = 0; j < n4; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let pa = i * aRow;
      let pb = j;
      for (let p = 0; p < k; p++) {
        const v = a[pa];
        s0 += v * b[pb];
        s1 += v * b[pb + 1];
        s2 += v * b[pb + 2];
        s3 += v * b[pb + 3];
        pa += aCol;
        pb += bRow;
      }
      const o = i * n + j;
      if (bias !== null) {
        s0 += bias[j]; s1 += bias[j + 1]; s2 += bias[j + 2]; s3 += bias[j + 3];
      }
      c[o] = s0; c[o + 1] = s1; c[o + 2] = s2; c[o + 3] = s3;
    }
    for (let j = n4; j < n; j++) {
      let s = 0;
      let pa = i * aRow;
      let pb = j;
      for (let p = 0; p < k; p++) {
        s += a[pa] * b[pb];
        pa += aCol;
        pb += bRow;
      }
      c[i * n + j] = bias === null ? s : s + bias[j];
    }
  }
}
