package org.vil4j.backend.java;

/**
 * The transformer ops on plain arrays: exact GELU, per-channel scaling and fused multi-head softmax attention with its
 * backward. Sums in double: this backend is the oracle the device kernels are held to.
 */
final class TransformerKernels {
    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    private TransformerKernels() {
    }

    /**
     * erfc(x) with relative error below 1.2e-7 everywhere (Chebyshev fit, Numerical Recipes' erfcc); the OpenCL
     * kernel evaluates the same expression in float.
     */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
                + t * 0.17087277)))))))));
        return x >= 0 ? r : 2.0 - r;
    }

    /** Phi(x), the standard normal CDF: 0.5 erfc(-x / sqrt 2) (no cancellation for negative x). */
    static double normalCdf(double x) {
        return 0.5 * erfc(-x * SQRT_HALF);
    }

    static void gelu(float[] x, float[] out) {
        Parallel.forRange(x.length, 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                double v = x[i];
                out[i] = (float) (v * normalCdf(v));
            }
        });
    }

    static void geluBackward(float[] x, float[] dy, float[] out) {
        Parallel.forRange(x.length, 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                double v = x[i];
                double d = normalCdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                out[i] = (float) (dy[i] * d);
            }
        });
    }

    static void scaleChannels(float[] x, float[] w, float[] out) {
        int cols = w.length;
        Parallel.forRange(x.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = x[i] * w[i % cols];
            }
        });
    }

    /** q, k, v, out {@code [B, S, NH*DH]}: out_t = sum_s softmax_s(scale q_t.k_s) v_s per batch and head. */
    static void attention(float[] q, float[] k, float[] v, float[] out, int batch, int seq, int heads, int dh,
                          float scale) {
        int width = heads * dh;
        Parallel.forRange(batch * heads * seq, (long) seq * dh * 2, (from, to) -> {
            double[] p = new double[seq];
            double[] acc = new double[dh];
            for (int item = from; item < to; item++) {
                int t = item % seq;
                int bh = item / seq;
                int h = bh % heads;
                int b = bh / heads;
                int base = b * seq * width + h * dh;
                softmaxRow(q, k, base + t * width, base, seq, width, dh, scale, p);
                java.util.Arrays.fill(acc, 0);
                for (int s = 0; s < seq; s++) {
                    int vs = base + s * width;
                    for (int d = 0; d < dh; d++) {
                        acc[d] += p[s] * v[vs + d];
                    }
                }
                int o = base + t * width;
                for (int d = 0; d < dh; d++) {
                    out[o + d] = (float) acc[d];
                }
            }
        });
    }

    /** p = softmax over s of scale * q[qRow] . k[kBase + s * width], in double. */
    private static void softmaxRow(float[] q, float[] k, int qRow, int kBase, int seq, int width, int dh,
                                   float scale, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < seq; s++) {
            int ks = kBase + s * width;
            double dot = 0;
            for (int d = 0; d < dh; d++) {
                dot += (double) q[qRow + d] * k[ks + d];
            }
            p[s] = dot * scale;
            max = Math.max(max, p[s]);
        }
        double sum = 0;
        for (int s = 0; s < seq; s++) {
            p[s] = Math.exp(p[s] - max);
            sum += p[s];
        }
        for (int s = 0; s < seq; s++) {
            p[s] /= sum;
        }
    }

    /**
     * Gradients of {@link #attention}: with P the softmax and dP_ts = dout_t . v_s, dS_ts = P_ts (dP_ts - sum_u P_tu
     * dP_tu); dq_t = scale sum_s dS_ts k_s, dk_s = scale sum_t dS_ts q_t, dv_s = sum_t P_ts dout_t. One (batch, head)
     * a task, so dk and dv accumulate without sharing.
     */
    static void attentionBackward(float[] q, float[] k, float[] v, float[] dout, float[] dq, float[] dk, float[] dv,
                                  int batch, int seq, int heads, int dh, float scale) {
        int width = heads * dh;
        Parallel.forRange(batch * heads, (long) seq * seq * dh * 5, (from, to) -> {
            double[] p = new double[seq];
            double[] dp = new double[seq];
            double[] dqRow = new double[dh];
            double[] dkAcc = new double[seq * dh];
            double[] dvAcc = new double[seq * dh];
            for (int bh = from; bh < to; bh++) {
                int h = bh % heads;
                int b = bh / heads;
                int base = b * seq * width + h * dh;
                java.util.Arrays.fill(dkAcc, 0);
                java.util.Arrays.fill(dvAcc, 0);
                for (int t = 0; t < seq; t++) {
                    int tRow = base + t * width;
                    softmaxRow(q, k, tRow, base, seq, width, dh, scale, p);
                    double rowDot = 0;
                    for (int s = 0; s < seq; s++) {
                        int vs = base + s * width;
                        double dot = 0;
                        for (int d = 0; d < dh; d++) {
                            dot += (double) dout[tRow + d] * v[vs + d];
                        }
                        dp[s] = dot;
                        rowDot += p[s] * dot;
                    }
                    java.util.Arrays.fill(dqRow, 0);
                    for (int s = 0; s < seq; s++) {
                        double ds = p[s] * (dp[s] - rowDot) * scale;
                        int ks = base + s * width;
                        for (int d = 0; d < dh; d++) {
                            dqRow[d] += ds * k[ks + d];
                            dkAcc[s * dh + d] += ds * q[tRow + d];
                            dvAcc[s * dh + d] += p[s] * dout[tRow + d];
                        }
                    }
                    for (int d = 0; d < dh; d++) {
                        dq[tRow + d] = (float) dqRow[d];
                    }
                }
                for (int s = 0; s < seq; s++) {
                    int row = base + s * width;
                    for (int d = 0; d < dh; d++) {
                        dk[row + d] = (float) dkAcc[s * dh + d];
                        dv[row + d] = (float) dvAcc[s * dh + d];
                    }
                }
            }
        });
    }
}
