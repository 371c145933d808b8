package org.vil4j.backend.java;

/**
 * The mLSTM cell one token at a time: the state {@code C = sum_s exp(logD[t,s] - m_t) k_s v_s^T / sqrt(DH)}, its
 * normaliser vector n and the stabiliser m_t (the running row maximum of log D) are updated per token, so time is
 * linear in the sequence and memory constant. The same function as {@link MlstmKernel}: m_t = max(logsigmoid(f_t) +
 * m_{t-1}, i_t) is exactly the parallel form's row maximum, and q_t.n_t its row sum. State and gates in double.
 */
final class MlstmRecurrentKernel {
    private MlstmRecurrentKernel() {
    }

    static void forward(float[] q, float[] k, float[] v, float[] igate, float[] fgate, float[] out, int batch,
                        int seq, int heads, int headDim, float eps) {
        double keyScale = 1.0 / Math.sqrt(headDim);
        Parallel.forRange(batch * heads, (long) seq * headDim * headDim, (from, to) -> {
            MlstmHead head = new MlstmHead(seq, headDim);
            MlstmState state = new MlstmState(headDim);
            float[] result = new float[seq * headDim];
            double[] numerator = new double[headDim];
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads;
                int h = bh % heads;
                head.load(q, k, v, b, h, heads);
                state.reset();
                for (int t = 0; t < seq; t++) {
                    int gate = (b * seq + t) * heads + h;
                    double logForget = MlstmKernel.logSigmoid(fgate[gate]);
                    double input = igate[gate];
                    double m = Math.max(logForget + state.m, input);
                    state.decay(Math.exp(logForget + state.m - m));
                    state.add(head.k, head.v, t, Math.exp(input - m) * keyScale);
                    state.m = m;
                    state.readOut(head.q, t, m, eps, result, numerator);
                }
                MlstmHead.scatter(result, out, b, h, seq, heads, headDim);
            }
        });
    }
}
