package org.vil4j.backend.java;

/**
 * Reverse mode of {@link MlstmKernel}: the exact derivative of the reference's {@code parallel_stabilized_simple}
 * as torch's autograd takes it, including the paths through the row maximum m_t (to its first argmax) and through
 * {@code max(|n_t|, exp(-m_t))} (ties split evenly, like torch.maximum). One task per (batch, head) owns that head's
 * slices of every gradient, so nothing is shared between threads. Double throughout, like the forward.
 *
 * <p>Per row t, with {@code L_s = F_t - F_s + i_s}, {@code D_s = exp(L_s - m)}, {@code P_s = q_t.k_s / sqrt(DH)},
 * {@code C_s = P_s D_s}, {@code n = sum C_s}, {@code den = max(|n|, exp(-m)) + eps}, {@code h_t = sum C_s v_s / den}:
 * {@code dv_s += C_s/den dh}, {@code dC_s = (dh.v_s)/den + dn}, {@code dP_s = dC_s D_s}, {@code dL_s = dC_s P_s
 * D_s} (+ dm at the argmax), and the log forget gates collect {@code dlf_u = sum_{s < u <= t} dL_s}.
 */
final class MlstmBackwardKernel {
    private MlstmBackwardKernel() {
    }

    static void backward(float[] q, float[] k, float[] v, float[] igate, float[] fgate, float[] dh, float[] dq,
                         float[] dk, float[] dv, float[] di, float[] df, int batch, int seq, int heads, int headDim,
                         float eps) {
        double[] cumulative = MlstmKernel.cumulativeLogForget(fgate, batch, seq, heads);
        int features = heads * headDim;
        double keyScale = 1.0 / Math.sqrt(headDim);
        Parallel.forRange(batch * heads, (long) seq * seq * headDim * 4, (from, to) -> {
            double[] logD = new double[seq];
            double[] d = new double[seq];
            double[] p = new double[seq];
            double[] dL = new double[seq];
            double[] dqRow = new double[headDim];
            double[] dkAcc = new double[seq * headDim];
            double[] dvAcc = new double[seq * headDim];
            double[] diAcc = new double[seq];
            double[] dlfAcc = new double[seq];
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads;
                int h = bh % heads;
                int cumBase = bh * (seq + 1);
                java.util.Arrays.fill(dkAcc, 0);
                java.util.Arrays.fill(dvAcc, 0);
                java.util.Arrays.fill(diAcc, 0);
                java.util.Arrays.fill(dlfAcc, 0);
                for (int t = 0; t < seq; t++) {
                    double m = Double.NEGATIVE_INFINITY;
                    int argmax = 0;
                    for (int s = 0; s <= t; s++) {
                        logD[s] = (cumulative[cumBase + t + 1] - cumulative[cumBase + s + 1])
                                + igate[(b * seq + s) * heads + h];
                        if (logD[s] > m) {
                            m = logD[s];
                            argmax = s;
                        }
                    }
                    int qStart = (b * seq + t) * features + h * headDim;
                    double n = 0;
                    for (int s = 0; s <= t; s++) {
                        int kStart = (b * seq + s) * features + h * headDim;
                        double dot = 0;
                        for (int x = 0; x < headDim; x++) {
                            dot += (double) q[qStart + x] * k[kStart + x];
                        }
                        p[s] = dot * keyScale;
                        d[s] = Math.exp(logD[s] - m);
                        n += p[s] * d[s];
                    }
                    double floor = Math.exp(-m);
                    double den = Math.max(Math.abs(n), floor) + eps;
                    // g = sum_s (dh . v_s) C_s, the derivative of the output through the normaliser
                    double g = 0;
                    for (int s = 0; s <= t; s++) {
                        int vStart = (b * seq + s) * features + h * headDim;
                        double dhv = 0;
                        for (int x = 0; x < headDim; x++) {
                            dhv += (double) dh[qStart + x] * v[vStart + x];
                        }
                        dL[s] = dhv; // holds dh . v_s for now
                        g += dhv * p[s] * d[s];
                    }
                    double dDen = -g / (den * den);
                    double dn;
                    double dFloor;
                    double absN = Math.abs(n);
                    if (absN > floor) {
                        dn = dDen * Math.signum(n);
                        dFloor = 0;
                    } else if (absN < floor) {
                        dn = 0;
                        dFloor = dDen;
                    } else {
                        dn = 0.5 * dDen * Math.signum(n);
                        dFloor = 0.5 * dDen;
                    }
                    double dm = -floor * dFloor;
                    java.util.Arrays.fill(dqRow, 0);
                    for (int s = 0; s <= t; s++) {
                        int kStart = (b * seq + s) * features + h * headDim;
                        double c = p[s] * d[s];
                        double cn = c / den;
                        for (int x = 0; x < headDim; x++) {
                            dvAcc[s * headDim + x] += cn * dh[qStart + x];
                        }
                        double dC = dL[s] / den + dn;
                        double dP = dC * d[s];
                        double dLs = dC * p[s] * d[s];
                        dm -= dLs;
                        dL[s] = dLs;
                        double dPs = dP * keyScale;
                        for (int x = 0; x < headDim; x++) {
                            dqRow[x] += dPs * k[kStart + x];
                            dkAcc[s * headDim + x] += dPs * q[qStart + x];
                        }
                    }
                    dL[argmax] += dm;
                    for (int x = 0; x < headDim; x++) {
                        dq[qStart + x] = (float) dqRow[x];
                    }
                    double prefix = 0;
                    for (int s = 0; s <= t; s++) {
                        diAcc[s] += dL[s];
                        // dlf_u for u in 1..t collects the dL of every s < u in this row
                        if (s >= 1) {
                            dlfAcc[s] += prefix;
                        }
                        prefix += dL[s];
                    }
                }
                for (int s = 0; s < seq; s++) {
                    int start = (b * seq + s) * features + h * headDim;
                    for (int x = 0; x < headDim; x++) {
                        dk[start + x] = (float) dkAcc[s * headDim + x];
                        dv[start + x] = (float) dvAcc[s * headDim + x];
                    }
                    int gate = (b * seq + s) * heads + h;
                    di[gate] = (float) diAcc[s];
                    // d logsigmoid(f) / df = sigmoid(-f)
                    df[gate] = (float) (dlfAcc[s] / (1.0 + Math.exp(fgate[gate])));
                }
            }
        });
    }
}
