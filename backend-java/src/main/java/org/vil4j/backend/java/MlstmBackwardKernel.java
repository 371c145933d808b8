package org.vil4j.backend.java;

/**
 * Reverse mode of {@link MlstmKernel}: the exact derivative of the reference's {@code parallel_stabilized_simple}
 * as torch's autograd takes it, including the paths through the row maximum m_t (to its first argmax) and through
 * {@code max(|n_t|, exp(-m_t))} (ties split evenly, like torch.maximum). One task per (batch, head) owns that head's
 * slices of every gradient, so nothing is shared between threads. Gate arithmetic in double, rows along DH in float
 * ({@link MlstmHead}), like the forward.
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
        double keyScale = 1.0 / Math.sqrt(headDim);
        Parallel.forRange(batch * heads, (long) seq * seq * headDim * 4, (from, to) -> {
            MlstmHead head = new MlstmHead(seq, headDim);
            float[] dhHead = new float[seq * headDim];
            float[] dqHead = new float[seq * headDim];
            float[] dkHead = new float[seq * headDim];
            float[] dvHead = new float[seq * headDim];
            double[] p = new double[seq];
            double[] dL = new double[seq];
            double[] diAcc = new double[seq];
            double[] dlfAcc = new double[seq];
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads;
                int h = bh % heads;
                int cumBase = bh * (seq + 1);
                head.load(q, k, v, b, h, heads);
                MlstmHead.gather(dh, dhHead, b, h, seq, heads, headDim);
                java.util.Arrays.fill(dkHead, 0f);
                java.util.Arrays.fill(dvHead, 0f);
                java.util.Arrays.fill(diAcc, 0);
                java.util.Arrays.fill(dlfAcc, 0);
                GateRows gates = new GateRows(cumulative, cumBase, igate, b, h, seq, heads);
                for (int t = 0; t < seq; t++) {
                    int row = t * headDim;
                    double[] d = gates.next();
                    double m = gates.rowMax();
                    int argmax = gates.argmax();
                    double n = 0;
                    // g = sum_s (dh . v_s) C_s, the derivative of the output through the normaliser
                    double g = 0;
                    for (int s = 0; s <= t; s++) {
                        p[s] = MlstmHead.dot(head.q, row, head.k, s * headDim, headDim) * keyScale;
                        n += p[s] * d[s];
                        dL[s] = MlstmHead.dot(dhHead, row, head.v, s * headDim, headDim); // dh . v_s for now
                        g += dL[s] * p[s] * d[s];
                    }
                    double floor = Math.exp(-m);
                    double den = Math.max(Math.abs(n), floor) + eps;
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
                    java.util.Arrays.fill(dqHead, row, row + headDim, 0f);
                    for (int s = 0; s <= t; s++) {
                        double c = p[s] * d[s];
                        MlstmHead.axpy((float) (c / den), dhHead, row, dvHead, s * headDim, headDim);
                        double dC = dL[s] / den + dn;
                        double dLs = dC * c;
                        dm -= dLs;
                        dL[s] = dLs;
                        float dPs = (float) (dC * d[s] * keyScale);
                        MlstmHead.axpy(dPs, head.k, s * headDim, dqHead, row, headDim);
                        MlstmHead.axpy(dPs, head.q, row, dkHead, s * headDim, headDim);
                    }
                    dL[argmax] += dm;
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
                MlstmHead.scatter(dqHead, dq, b, h, seq, heads, headDim);
                MlstmHead.scatter(dkHead, dk, b, h, seq, heads, headDim);
                MlstmHead.scatter(dvHead, dv, b, h, seq, heads, headDim);
                for (int s = 0; s < seq; s++) {
                    int gate = (b * seq + s) * heads + h;
                    di[gate] = (float) diAcc[s];
                    // d logsigmoid(f) / df = sigmoid(-f)
                    df[gate] = (float) (dlfAcc[s] / (1.0 + Math.exp(fgate[gate])));
                }
            }
        });
    }
}
