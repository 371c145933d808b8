package org.vil4j.backend.java;

import java.util.Arrays;

/**
 * The carried state of the mLSTM cell for one (batch, head): {@code C [DH, DH]} (keys by values), the normaliser
 * vector n [DH] and the stabiliser m, all relative to exp(m) so that they stay finite; in double.
 */
final class MlstmState {
    final int headDim;
    final double[] c;
    final double[] n;
    double m;

    MlstmState(int headDim) {
        this.headDim = headDim;
        this.c = new double[headDim * headDim];
        this.n = new double[headDim];
    }

    void reset() {
        Arrays.fill(c, 0);
        Arrays.fill(n, 0);
        m = Double.NEGATIVE_INFINITY;
    }

    /** Multiplies the state by {@code factor} (<= 1: the forget gate moved to a new stabiliser). */
    void decay(double factor) {
        if (factor == 1) {
            return;
        }
        for (int i = 0; i < c.length; i++) {
            c[i] *= factor;
        }
        for (int i = 0; i < headDim; i++) {
            n[i] *= factor;
        }
    }

    /** Adds {@code weight * k_s v_s^T} to C and {@code weight * k_s} to n (rows s of [S, DH] arrays). */
    void add(float[] k, float[] v, int s, double weight) {
        int ks = s * headDim;
        for (int a = 0; a < headDim; a++) {
            double ka = weight * k[ks + a];
            n[a] += ka;
            int row = a * headDim;
            for (int b = 0; b < headDim; b++) {
                c[row + b] += ka * v[ks + b];
            }
        }
    }

    /**
     * {@code h_t = q_t C / (max(|q_t . n|, exp(-m)) + eps)} into row t of {@code result}: the state must hold every
     * token up to t, stabilised by {@code m}.
     */
    void readOut(float[] q, int t, double m, float eps, float[] result, double[] numerator) {
        int qt = t * headDim;
        double rowSum = project(q, t, 1, numerator);
        double normaliser = Math.max(Math.abs(rowSum), Math.exp(-m)) + eps;
        for (int b = 0; b < headDim; b++) {
            result[qt + b] = (float) (numerator[b] / normaliser);
        }
    }

    /**
     * Row t of q through the state, times {@code scale}: {@code numerator = scale * q_t C}; returns
     * {@code scale * q_t . n}.
     */
    double project(float[] q, int t, double scale, double[] numerator) {
        int qt = t * headDim;
        double rowSum = 0;
        for (int a = 0; a < headDim; a++) {
            rowSum += q[qt + a] * n[a];
        }
        for (int b = 0; b < headDim; b++) {
            double acc = 0;
            for (int a = 0; a < headDim; a++) {
                acc += q[qt + a] * c[a * headDim + b];
            }
            numerator[b] = acc * scale;
        }
        return rowSum * scale;
    }

    /**
     * The transpose read-out, for the backward: {@code out = scale * (C w + dn * n)} with w row {@code row} of a
     * {@code [S, DH]} array (the gradient of q_t through the state, given w_t = dh_t / den_t and dn_t).
     */
    void apply(float[] w, int row, double dn, double scale, double[] out) {
        for (int a = 0; a < headDim; a++) {
            double acc = 0;
            int ca = a * headDim;
            for (int b = 0; b < headDim; b++) {
                acc += c[ca + b] * w[row + b];
            }
            out[a] = (acc + dn * n[a]) * scale;
        }
    }
}
