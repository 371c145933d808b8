package org.vil4j.backend.java;

import java.util.Arrays;

/**
 * The mLSTM cell in the stabilised parallel form (the reference's {@code parallel_stabilized_simple}), one output
 * row per (batch, head, t). Everything between the float inputs and the float output is double: the cumulative log
 * forget gates reach hundreds with strongly closed gates, where float differences of them would lose the small
 * exponents that decide D.
 */
final class MlstmKernel {
    private MlstmKernel() {
    }

    /**
     * q, k, v {@code [B, S, NH*DH]} (head-major features), igate, fgate {@code [B, S, NH]}, out like q.
     */
    static void forward(float[] q, float[] k, float[] v, float[] igate, float[] fgate, float[] out, int batch,
                        int seq, int heads, int headDim, float eps) {
        double[] cumulative = cumulativeLogForget(fgate, batch, seq, heads);
        int features = heads * headDim;
        double keyScale = 1.0 / Math.sqrt(headDim);
        Parallel.forRange(batch * heads * seq, (long) seq * headDim, (from, to) -> {
            double[] logD = new double[seq];
            double[] numerator = new double[headDim];
            for (int item = from; item < to; item++) {
                int bh = item / seq;
                int t = item % seq;
                int b = bh / heads;
                int h = bh % heads;
                int cumBase = bh * (seq + 1);
                // logD[t, s] = F_t - F_s + i_s, written as the reference does: cumsum[t+1] - cumsum[s+1]
                double rowMax = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    double value = (cumulative[cumBase + t + 1] - cumulative[cumBase + s + 1])
                            + igate[(b * seq + s) * heads + h];
                    logD[s] = value;
                    rowMax = Math.max(rowMax, value);
                }
                int qStart = (b * seq + t) * features + h * headDim;
                Arrays.fill(numerator, 0.0);
                double rowSum = 0;
                int s = 0;
                // four keys at a time: independent sums keep the FPU busy and numerator is swept once per four
                for (; s + 3 <= t; s += 4) {
                    int k0 = (b * seq + s) * features + h * headDim;
                    int k1 = k0 + features;
                    int k2 = k1 + features;
                    int k3 = k2 + features;
                    double dot0 = 0;
                    double dot1 = 0;
                    double dot2 = 0;
                    double dot3 = 0;
                    for (int d = 0; d < headDim; d++) {
                        double qd = q[qStart + d];
                        dot0 += qd * k[k0 + d];
                        dot1 += qd * k[k1 + d];
                        dot2 += qd * k[k2 + d];
                        dot3 += qd * k[k3 + d];
                    }
                    double c0 = dot0 * keyScale * Math.exp(logD[s] - rowMax);
                    double c1 = dot1 * keyScale * Math.exp(logD[s + 1] - rowMax);
                    double c2 = dot2 * keyScale * Math.exp(logD[s + 2] - rowMax);
                    double c3 = dot3 * keyScale * Math.exp(logD[s + 3] - rowMax);
                    rowSum += c0 + c1 + c2 + c3;
                    for (int d = 0; d < headDim; d++) {
                        numerator[d] += c0 * v[k0 + d] + c1 * v[k1 + d] + c2 * v[k2 + d] + c3 * v[k3 + d];
                    }
                }
                for (; s <= t; s++) {
                    int kStart = (b * seq + s) * features + h * headDim;
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += (double) q[qStart + d] * k[kStart + d];
                    }
                    double c = dot * keyScale * Math.exp(logD[s] - rowMax);
                    rowSum += c;
                    for (int d = 0; d < headDim; d++) {
                        numerator[d] += c * v[kStart + d];
                    }
                }
                double normaliser = Math.max(Math.abs(rowSum), Math.exp(-rowMax)) + eps;
                for (int d = 0; d < headDim; d++) {
                    out[qStart + d] = (float) (numerator[d] / normaliser);
                }
            }
        });
    }

    /** {@code cum[(b*NH + h)*(S+1) + j] = sum_{u < j} logsigmoid(f[b, u, h])}, with cum[.., 0] = 0. */
    static double[] cumulativeLogForget(float[] fgate, int batch, int seq, int heads) {
        double[] cumulative = new double[batch * heads * (seq + 1)];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int base = (b * heads + h) * (seq + 1);
                double sum = 0;
                for (int u = 0; u < seq; u++) {
                    sum += logSigmoid(fgate[(b * seq + u) * heads + h]);
                    cumulative[base + u + 1] = sum;
                }
            }
        }
        return cumulative;
    }

    /** {@code log(sigmoid(x))} without overflow for either sign of x. */
    static double logSigmoid(double x) {
        return Math.min(x, 0.0) - Math.log1p(Math.exp(-Math.abs(x)));
    }
}
