package org.vil4j.backend.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector-API versions of the dense loops: on this project's 2-core build machine (AVX-512) a broadcast-FMA loop runs
 * at ~12 GFMA/s a core against ~3.5 for the scalar loop C2 makes of it. Loaded only when {@link Simd#AVAILABLE}.
 */
final class SimdKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int ROWS = 4;
    private static final int ROW_TILE = 64;
    /** SPREAD[j]: lane l takes lane (l & ~3) + j, element j of its block of 4 (blocks of 4 need L % 4 == 0). */
    private static final VectorShuffle<Float>[] SPREAD = spreads();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] spreads() {
        VectorShuffle<Float>[] spread = new VectorShuffle[4];
        for (int j = 0; j < 4; j++) {
            int[] lanes = new int[L];
            for (int l = 0; l < L; l++) {
                lanes[l] = (l & ~3) + j;
            }
            spread[j] = VectorShuffle.fromArray(S, lanes, 0);
        }
        return spread;
    }

    private SimdKernels() {
    }

    /** A tiny product checked against the scalar loop: proves the module works on this JVM before it is used. */
    static boolean selfTest() {
        int rows = 5, cols = 2 * L + 3, depth = 7;
        float[] a = new float[rows * depth];
        float[] b = new float[cols * depth];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) - 3;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 5) - 2;
        }
        float[] out = new float[rows * cols];
        multiplyTransposed(a, 0, b, 0, null, out, 0, rows, cols, depth);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (out[r * cols + c] != MatrixProduct.dot(a, r * depth, b, c * depth, depth)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * {@code out[r, c] = sum_k a[r, k] * b[c, k] (+ bias[c])}, like {@link MatrixProduct#multiplyTransposed}: b is
     * transposed once to {@code [K, C]}, then each 4-row block keeps 4 x 2 vectors of outputs in registers while k
     * runs (a broadcast of a[r, k] times a row of b^T).
     */
    static void multiplyTransposed(float[] a, int aOffset, float[] b, int bOffset, float[] bias, float[] out,
                                   int outOffset, int rows, int cols, int depth) {
        float[] bT = new float[depth * cols];
        for (int c = 0; c < cols; c++) {
            int source = bOffset + c * depth;
            for (int k = 0; k < depth; k++) {
                bT[k * cols + c] = b[source + k];
            }
        }
        int tiles = (rows + ROW_TILE - 1) / ROW_TILE;
        Parallel.forRange(tiles, (long) Math.min(rows, ROW_TILE) * cols * Math.max(1, depth), (from, to) -> {
            for (int tile = from; tile < to; tile++) {
                int r1 = Math.min(rows, (tile + 1) * ROW_TILE);
                int r = tile * ROW_TILE;
                for (; r + ROWS <= r1; r += ROWS) {
                    rowBlock4(a, aOffset + r * depth, depth, bT, cols, bias, out, outOffset + r * cols);
                }
                for (; r < r1; r++) {
                    row1(a, aOffset + r * depth, depth, bT, cols, bias, out, outOffset + r * cols);
                }
            }
        });
    }

    private static void rowBlock4(float[] a, int a0, int depth, float[] bT, int cols, float[] bias, float[] out,
                                  int o) {
        int a1 = a0 + depth;
        int a2 = a1 + depth;
        int a3 = a2 + depth;
        int c = 0;
        for (; c + 2 * L <= cols; c += 2 * L) {
            FloatVector s00 = FloatVector.zero(S);
            FloatVector s01 = FloatVector.zero(S);
            FloatVector s10 = FloatVector.zero(S);
            FloatVector s11 = FloatVector.zero(S);
            FloatVector s20 = FloatVector.zero(S);
            FloatVector s21 = FloatVector.zero(S);
            FloatVector s30 = FloatVector.zero(S);
            FloatVector s31 = FloatVector.zero(S);
            for (int k = 0; k < depth; k++) {
                FloatVector b0 = FloatVector.fromArray(S, bT, k * cols + c);
                FloatVector b1 = FloatVector.fromArray(S, bT, k * cols + c + L);
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + k]);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + k]);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + k]);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + k]);
                s00 = b0.fma(x0, s00);
                s01 = b1.fma(x0, s01);
                s10 = b0.fma(x1, s10);
                s11 = b1.fma(x1, s11);
                s20 = b0.fma(x2, s20);
                s21 = b1.fma(x2, s21);
                s30 = b0.fma(x3, s30);
                s31 = b1.fma(x3, s31);
            }
            if (bias != null) {
                FloatVector bb0 = FloatVector.fromArray(S, bias, c);
                FloatVector bb1 = FloatVector.fromArray(S, bias, c + L);
                s00 = s00.add(bb0);
                s01 = s01.add(bb1);
                s10 = s10.add(bb0);
                s11 = s11.add(bb1);
                s20 = s20.add(bb0);
                s21 = s21.add(bb1);
                s30 = s30.add(bb0);
                s31 = s31.add(bb1);
            }
            s00.intoArray(out, o + c);
            s01.intoArray(out, o + c + L);
            s10.intoArray(out, o + cols + c);
            s11.intoArray(out, o + cols + c + L);
            s20.intoArray(out, o + 2 * cols + c);
            s21.intoArray(out, o + 2 * cols + c + L);
            s30.intoArray(out, o + 3 * cols + c);
            s31.intoArray(out, o + 3 * cols + c + L);
        }
        for (; c < cols; c++) {
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            for (int k = 0; k < depth; k++) {
                float w = bT[k * cols + c];
                s0 += a[a0 + k] * w;
                s1 += a[a1 + k] * w;
                s2 += a[a2 + k] * w;
                s3 += a[a3 + k] * w;
            }
            float add = bias == null ? 0f : bias[c];
            out[o + c] = s0 + add;
            out[o + cols + c] = s1 + add;
            out[o + 2 * cols + c] = s2 + add;
            out[o + 3 * cols + c] = s3 + add;
        }
    }

    private static void row1(float[] a, int a0, int depth, float[] bT, int cols, float[] bias, float[] out, int o) {
        int c = 0;
        for (; c + L <= cols; c += L) {
            FloatVector s = FloatVector.zero(S);
            for (int k = 0; k < depth; k++) {
                s = FloatVector.fromArray(S, bT, k * cols + c).fma(FloatVector.broadcast(S, a[a0 + k]), s);
            }
            if (bias != null) {
                s = s.add(FloatVector.fromArray(S, bias, c));
            }
            s.intoArray(out, o + c);
        }
        for (; c < cols; c++) {
            float s = 0f;
            for (int k = 0; k < depth; k++) {
                s += a[a0 + k] * bT[k * cols + c];
            }
            out[o + c] = s + (bias == null ? 0f : bias[c]);
        }
    }

    /** {@code y[yo..yo+n) += alpha * x[xo..xo+n)}. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /** {@code y[yo + i] += a0 * x[x0 + i] + a1 * x[x1 + i] + a2 * x[x2 + i] + a3 * x[x3 + i]} for i < n. */
    static void axpy4(float[] y, int yo, float[] x, float a0, int x0, float a1, int x1, float a2, int x2, float a3,
                      int x3, int n) {
        FloatVector v0 = FloatVector.broadcast(S, a0);
        FloatVector v1 = FloatVector.broadcast(S, a1);
        FloatVector v2 = FloatVector.broadcast(S, a2);
        FloatVector v3 = FloatVector.broadcast(S, a3);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector acc = FloatVector.fromArray(S, y, yo + i);
            acc = FloatVector.fromArray(S, x, x0 + i).fma(v0, acc);
            acc = FloatVector.fromArray(S, x, x1 + i).fma(v1, acc);
            acc = FloatVector.fromArray(S, x, x2 + i).fma(v2, acc);
            acc = FloatVector.fromArray(S, x, x3 + i).fma(v3, acc);
            acc.intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a0 * x[x0 + i] + a1 * x[x1 + i] + a2 * x[x2 + i] + a3 * x[x3 + i];
        }
    }

    /** {@code sum_i a[ao + i] * b[bo + i]}, lane-wise partial sums then a reduction. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        float sum = acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /**
     * Rows {@code [from, to)} of a block-diagonal product with blocks of 4 (the reference's q/k/v projections):
     * {@code out[r, 4h+o] = sum_j x[r, 4h+j] * w[h, o, j] (+ bias)}, given {@code wT[j * features + 4h + o] =
     * w[h, o, j]}. A vector holds L/4 blocks; element j of each block is spread over its 4 lanes and multiplied by
     * row j of wT.
     */
    static void blocks4(float[] x, float[] wT, float[] bias, float[] out, int from, int to, int features) {
        int vectorEnd = L % 4 == 0 ? features - features % L : 0;
        for (int r = from; r < to; r++) {
            int row = r * features;
            for (int f = 0; f < vectorEnd; f += L) {
                FloatVector xv = FloatVector.fromArray(S, x, row + f);
                FloatVector acc = xv.rearrange(SPREAD[0]).mul(FloatVector.fromArray(S, wT, f));
                acc = xv.rearrange(SPREAD[1]).fma(FloatVector.fromArray(S, wT, features + f), acc);
                acc = xv.rearrange(SPREAD[2]).fma(FloatVector.fromArray(S, wT, 2 * features + f), acc);
                acc = xv.rearrange(SPREAD[3]).fma(FloatVector.fromArray(S, wT, 3 * features + f), acc);
                if (bias != null) {
                    acc = acc.add(FloatVector.fromArray(S, bias, f));
                }
                acc.intoArray(out, row + f);
            }
            for (int f = vectorEnd; f < features; f += 4) {
                for (int o = 0; o < 4; o++) {
                    float sum = x[row + f] * wT[f + o] + x[row + f + 1] * wT[features + f + o]
                            + x[row + f + 2] * wT[2 * features + f + o] + x[row + f + 3] * wT[3 * features + f + o];
                    out[row + f + o] = bias == null ? sum : sum + bias[f + o];
                }
            }
        }
    }
}
