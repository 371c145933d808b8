package org.vil4j.backend.java;

/**
 * One (batch, head) slice of the mLSTM cell, gathered into contiguous {@code [S, DH]} rows so that every inner loop
 * (dot products and row updates along DH) runs over contiguous floats and vectorises. The gate arithmetic (cumulative
 * log forget gates, row maxima, exponentials, normalisers) stays in double: those are per (t, s) scalars, and their
 * differences are where float would lose the small exponents.
 */
final class MlstmHead {
    final int seq;
    final int headDim;
    final float[] q;
    final float[] k;
    final float[] v;

    MlstmHead(int seq, int headDim) {
        this.seq = seq;
        this.headDim = headDim;
        this.q = new float[seq * headDim];
        this.k = new float[seq * headDim];
        this.v = new float[seq * headDim];
    }

    /** Copies head h of batch b out of a {@code [B, S, NH*DH]} tensor. */
    static void gather(float[] source, float[] target, int b, int h, int seq, int heads, int headDim) {
        int features = heads * headDim;
        for (int t = 0; t < seq; t++) {
            System.arraycopy(source, (b * seq + t) * features + h * headDim, target, t * headDim, headDim);
        }
    }

    /** Writes head h of batch b back into a {@code [B, S, NH*DH]} tensor. */
    static void scatter(float[] source, float[] target, int b, int h, int seq, int heads, int headDim) {
        int features = heads * headDim;
        for (int t = 0; t < seq; t++) {
            System.arraycopy(source, t * headDim, target, (b * seq + t) * features + h * headDim, headDim);
        }
    }

    void load(float[] qAll, float[] kAll, float[] vAll, int b, int h, int heads) {
        gather(qAll, q, b, h, seq, heads, headDim);
        gather(kAll, k, b, h, seq, heads, headDim);
        gather(vAll, v, b, h, seq, heads, headDim);
    }

    static float dot(float[] a, int aStart, float[] b, int bStart, int n) {
        if (Simd.AVAILABLE) {
            return SimdKernels.dot(a, aStart, b, bStart, n);
        }
        float s0 = 0f;
        float s1 = 0f;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            s0 += a[aStart + i] * b[bStart + i];
            s1 += a[aStart + i + 1] * b[bStart + i + 1];
        }
        if (i < n) {
            s0 += a[aStart + i] * b[bStart + i];
        }
        return s0 + s1;
    }

    /** {@code target[t0..] += alpha * source[s0..]} over n floats. */
    static void axpy(float alpha, float[] source, int sourceStart, float[] target, int targetStart, int n) {
        if (Simd.AVAILABLE) {
            SimdKernels.axpy(alpha, source, sourceStart, target, targetStart, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            target[targetStart + i] += alpha * source[sourceStart + i];
        }
    }
}
