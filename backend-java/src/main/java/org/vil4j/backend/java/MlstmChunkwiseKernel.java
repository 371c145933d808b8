package org.vil4j.backend.java;

/**
 * The mLSTM cell chunk by chunk: inside a chunk of L tokens the parallel form (an L x L gate block), across chunks
 * the carried state (C, n, m) of {@link MlstmState}. Time O(S L DH + S DH^2 / L * L) and memory O(L^2 + DH^2) per
 * (batch, head) instead of O(S^2). Row t of a chunk starting at c0, with G_t = sum_{u=c0..t} logsigmoid(f_u):
 * the state enters with log weight G_t + m_prev, token s of the chunk with G_t - G_s + i_s; m_t is the largest of
 * those (exactly the parallel form's row maximum). Gates and state in double.
 */
final class MlstmChunkwiseKernel {
    private MlstmChunkwiseKernel() {
    }

    static void forward(float[] q, float[] k, float[] v, float[] igate, float[] fgate, float[] out, int batch,
                        int seq, int heads, int headDim, float eps, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("mlstm: chunk size " + chunk + " must be at least 1");
        }
        double keyScale = 1.0 / Math.sqrt(headDim);
        Parallel.forRange(batch * heads, (long) seq * headDim * (headDim + chunk), (from, to) -> {
            MlstmHead head = new MlstmHead(seq, headDim);
            MlstmState state = new MlstmState(headDim);
            float[] result = new float[seq * headDim];
            double[] g = new double[chunk];
            double[] input = new double[chunk];
            double[] logWeight = new double[chunk];
            double[] numerator = new double[headDim];
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads;
                int h = bh % heads;
                head.load(q, k, v, b, h, heads);
                state.reset();
                for (int c0 = 0; c0 < seq; c0 += chunk) {
                    int length = Math.min(chunk, seq - c0);
                    double sum = 0;
                    for (int j = 0; j < length; j++) {
                        int gate = (b * seq + c0 + j) * heads + h;
                        sum += MlstmKernel.logSigmoid(fgate[gate]);
                        g[j] = sum;
                        input[j] = igate[gate];
                    }
                    for (int j = 0; j < length; j++) {
                        int t = c0 + j;
                        double fromState = g[j] + state.m;
                        double m = fromState;
                        for (int i = 0; i <= j; i++) {
                            logWeight[i] = g[j] - g[i] + input[i];
                            m = Math.max(m, logWeight[i]);
                        }
                        // the carried state's part, then the chunk's own tokens
                        int qt = t * headDim;
                        double rowSum = state.project(head.q, t, Math.exp(fromState - m), numerator);
                        for (int i = 0; i <= j; i++) {
                            int s = c0 + i;
                            double cts = MlstmHead.dot(head.q, qt, head.k, s * headDim, headDim) * keyScale
                                    * Math.exp(logWeight[i] - m);
                            rowSum += cts;
                            int vs = s * headDim;
                            for (int x = 0; x < headDim; x++) {
                                numerator[x] += cts * head.v[vs + x];
                            }
                        }
                        double normaliser = Math.max(Math.abs(rowSum), Math.exp(-m)) + eps;
                        for (int x = 0; x < headDim; x++) {
                            result[qt + x] = (float) (numerator[x] / normaliser);
                        }
                    }
                    // carry the state to the chunk's end
                    int e = length - 1;
                    double mEnd = g[e] + state.m;
                    for (int i = 0; i < length; i++) {
                        mEnd = Math.max(mEnd, g[e] - g[i] + input[i]);
                    }
                    state.decay(Math.exp(g[e] + state.m - mEnd));
                    for (int i = 0; i < length; i++) {
                        double w = Math.exp(g[e] - g[i] + input[i] - mEnd);
                        state.add(head.k, head.v, c0 + i, w * keyScale);
                    }
                    state.m = mEnd;
                }
                MlstmHead.scatter(result, out, b, h, seq, heads, headDim);
            }
        });
    }
}
