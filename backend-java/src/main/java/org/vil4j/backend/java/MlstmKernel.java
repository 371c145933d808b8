package org.vil4j.backend.java;

/**
 * The mLSTM cell in the stabilised parallel form (the reference's {@code parallel_stabilized_simple}), one task
 * per (batch, head). The gate arithmetic is double: the cumulative log forget gates reach hundreds with strongly
 * closed gates, where float differences of them would lose the small exponents that decide D; dot products and row
 * updates along DH are float (see {@link MlstmHead}).
 */
final class MlstmKernel {
    private MlstmKernel() {
    }

    /**
     * q, k, v {@code [B, S, NH*DH]} (head-major features), igate, fgate {@code [B, S, NH]}, out like q. One task per
     * (batch, head): its rows of q, k, v are gathered once into contiguous arrays.
     */
    static void forward(float[] q, float[] k, float[] v, float[] igate, float[] fgate, float[] out, int batch,
                        int seq, int heads, int headDim, float eps) {
        double[] cumulative = cumulativeLogForget(fgate, batch, seq, heads);
        double keyScale = 1.0 / Math.sqrt(headDim);
        Parallel.forRange(batch * heads, (long) seq * seq * headDim, (from, to) -> {
            MlstmHead head = new MlstmHead(seq, headDim);
            float[] numerator = new float[headDim];
            float[] result = new float[seq * headDim];
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads;
                int h = bh % heads;
                int cumBase = bh * (seq + 1);
                head.load(q, k, v, b, h, heads);
                GateRows gates = new GateRows(cumulative, cumBase, igate, b, h, seq, heads);
                for (int t = 0; t < seq; t++) {
                    double[] d = gates.next();
                    java.util.Arrays.fill(numerator, 0f);
                    double rowSum = 0;
                    for (int s = 0; s <= t; s++) {
                        double c = MlstmHead.dot(head.q, t * headDim, head.k, s * headDim, headDim) * keyScale * d[s];
                        rowSum += c;
                        MlstmHead.axpy((float) c, head.v, s * headDim, numerator, 0, headDim);
                    }
                    double normaliser = Math.max(Math.abs(rowSum), Math.exp(-gates.rowMax())) + eps;
                    for (int x = 0; x < headDim; x++) {
                        result[t * headDim + x] = (float) (numerator[x] / normaliser);
                    }
                }
                MlstmHead.scatter(result, out, b, h, seq, heads, headDim);
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
