package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.vil4j.backend.java.TestData.assertClose;
import static org.vil4j.backend.java.TestData.maxAbs;
import static org.vil4j.backend.java.TestData.random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

/** The mLSTM cell against a literal double-precision transcription of parallel_stabilized_simple. */
class MlstmTest {
    private final Ops ops = new JavaBackend().open("cpu");

    @AfterEach
    void close() {
        ops.close();
    }

    @Test
    void oneTokenByHand() {
        // S = 1, DH = 1: C = q k / 1 * exp(0) = 6, n = max(|6|, exp(-i)) = 6, h = 6 * 5 / (6 + eps)
        Tensor q = ops.upload(Shape.of(1, 1, 1), new float[] {2});
        Tensor k = ops.upload(Shape.of(1, 1, 1), new float[] {3});
        Tensor v = ops.upload(Shape.of(1, 1, 1), new float[] {5});
        Tensor i = ops.upload(Shape.of(1, 1, 1), new float[] {0});
        Tensor f = ops.upload(Shape.of(1, 1, 1), new float[] {7});
        assertThat(ops.download(ops.mlstm(q, k, v, i, f, 1, 1e-6f))[0]).isCloseTo((float) (30 / (6 + 1e-6)),
                within(1e-6f));
        // a very negative input gate: the normaliser is exp(-m) = exp(4), not |C|
        Tensor closed = ops.upload(Shape.of(1, 1, 1), new float[] {-4});
        double c = 6 * Math.exp(0); // D = exp(i - m) = 1 whatever i is
        double expected = c * 5 / (Math.max(c, Math.exp(4)) + 1e-6);
        assertThat(ops.download(ops.mlstm(q, k, v, closed, f, 1, 1e-6f))[0]).isCloseTo((float) expected,
                within(1e-6f));
    }

    @Test
    void twoTokensByHand() {
        // DH = 1, q = k = v = 1: C[t, s] = D[t, s]; f = 0 so logsigmoid(f) = -log 2
        Tensor ones = ops.upload(Shape.of(1, 2, 1), new float[] {1, 1});
        Tensor i = ops.upload(Shape.of(1, 2, 1), new float[] {0, 0});
        Tensor f = ops.upload(Shape.of(1, 2, 1), new float[] {0, 0});
        float[] h = ops.download(ops.mlstm(ones, ones, ones, i, f, 1, 0f));
        // row 0: h = 1 * 1 / max(1, 1) = 1; row 1: logD = [-log 2, 0], m = 0, C = [0.5, 1], n = 1.5, h = 1.5/1.5
        assertThat(h).containsExactly(new float[] {1, 1}, within(1e-6f));
        Tensor v = ops.upload(Shape.of(1, 2, 1), new float[] {2, 4});
        float[] weighted = ops.download(ops.mlstm(ones, ones, v, i, f, 1, 0f));
        assertThat(weighted).containsExactly(new float[] {2, (0.5f * 2 + 4) / 1.5f}, within(1e-6f));
    }

    @Test
    void matchesTheReferenceOnOrdinaryGates() {
        checkAgainstReference(2, 37, 4, 8, 1f, 3f, 31);
    }

    @Test
    void matchesTheReferenceOnExtremeGates() {
        // input gates up to ~75, forget gates near-closed: the stabiliser must carry the whole row
        checkAgainstReference(1, 64, 2, 16, 25f, -8f, 32);
        checkAgainstReference(2, 50, 3, 5, 25f, -8f, 33);
    }

    @Test
    void matchesTheReferenceOnALongSequenceInParallel() {
        checkAgainstReference(2, 197, 4, 12, 1f, 3f, 34);
    }

    private void checkAgainstReference(int batch, int seq, int heads, int headDim, float igateScale,
                                       float fgateShift, long seed) {
        int features = heads * headDim;
        float[] q = random(seed, batch * seq * features, 1);
        float[] k = random(seed + 100, batch * seq * features, 1);
        float[] v = random(seed + 200, batch * seq * features, 1);
        float[] igate = random(seed + 300, batch * seq * heads, igateScale);
        float[] fgate = TestData.shifted(random(seed + 400, batch * seq * heads, 1), fgateShift);
        Shape shape = Shape.of(batch, seq, features);
        Shape gates = Shape.of(batch, seq, heads);
        float eps = 1e-6f;
        Tensor h = ops.mlstm(ops.upload(shape, q), ops.upload(shape, k), ops.upload(shape, v),
                ops.upload(gates, igate), ops.upload(gates, fgate), heads, eps);
        assertThat(h.shape()).isEqualTo(shape);
        double[] expected = reference(q, k, v, igate, fgate, batch, seq, heads, headDim, eps);
        assertClose(ops.download(h), expected, 1e-5, 1e-7 * maxAbs(expected));
    }

    /**
     * parallel_stabilized_simple written out with whole matrices: cumsum with a zero in front, the (S+1)x(S+1)
     * difference matrix cut to [1:, 1:], masked, plus the input gates, row-max stabilised.
     */
    static double[] reference(float[] q, float[] k, float[] v, float[] igate, float[] fgate, int batch, int seq,
                              int heads, int headDim, double eps) {
        int features = heads * headDim;
        double[] h = new double[batch * seq * features];
        for (int b = 0; b < batch; b++) {
            for (int head = 0; head < heads; head++) {
                double[] cumsum = new double[seq + 1];
                for (int u = 0; u < seq; u++) {
                    double f = fgate[(b * seq + u) * heads + head];
                    double logSigmoid = -Math.log(1 + Math.exp(-f)); // fine in double for these gate sizes
                    cumsum[u + 1] = cumsum[u] + logSigmoid;
                }
                double[][] logD = new double[seq][seq];
                double[] rowMax = new double[seq];
                for (int t = 0; t < seq; t++) {
                    rowMax[t] = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < seq; s++) {
                        logD[t][s] = s <= t
                                ? cumsum[t + 1] - cumsum[s + 1] + igate[(b * seq + s) * heads + head]
                                : Double.NEGATIVE_INFINITY;
                        rowMax[t] = Math.max(rowMax[t], logD[t][s]);
                    }
                }
                double[][] c = new double[seq][seq];
                for (int t = 0; t < seq; t++) {
                    for (int s = 0; s < seq; s++) {
                        double qk = 0;
                        for (int d = 0; d < headDim; d++) {
                            qk += q[(b * seq + t) * features + head * headDim + d]
                                    * (k[(b * seq + s) * features + head * headDim + d] / Math.sqrt(headDim));
                        }
                        c[t][s] = qk * Math.exp(logD[t][s] - rowMax[t]);
                    }
                }
                for (int t = 0; t < seq; t++) {
                    double rowSum = 0;
                    for (int s = 0; s < seq; s++) {
                        rowSum += c[t][s];
                    }
                    double normaliser = Math.max(Math.abs(rowSum), Math.exp(-rowMax[t]));
                    for (int d = 0; d < headDim; d++) {
                        double sum = 0;
                        for (int s = 0; s < seq; s++) {
                            sum += c[t][s] / (normaliser + eps) * v[(b * seq + s) * features + head * headDim + d];
                        }
                        h[(b * seq + t) * features + head * headDim + d] = sum;
                    }
                }
            }
        }
        return h;
    }

    @Test
    void headsAreIndependent() {
        // changing head 1's inputs leaves head 0's outputs alone
        int features = 2 * 3;
        float[] q = random(40, 5 * features, 1);
        float[] gates = random(41, 5 * 2, 1);
        Shape shape = Shape.of(1, 5, features);
        Shape gateShape = Shape.of(1, 5, 2);
        float[] first = ops.download(ops.mlstm(ops.upload(shape, q), ops.upload(shape, q), ops.upload(shape, q),
                ops.upload(gateShape, gates), ops.upload(gateShape, gates), 2, 1e-6f));
        float[] changed = q.clone();
        for (int t = 0; t < 5; t++) {
            for (int d = 3; d < 6; d++) {
                changed[t * features + d] *= -3;
            }
        }
        float[] second = ops.download(ops.mlstm(ops.upload(shape, changed), ops.upload(shape, changed),
                ops.upload(shape, changed), ops.upload(gateShape, gates), ops.upload(gateShape, gates), 2, 1e-6f));
        for (int t = 0; t < 5; t++) {
            for (int d = 0; d < 3; d++) {
                assertThat(second[t * features + d]).isEqualTo(first[t * features + d]);
            }
        }
    }

    @Test
    void shapeErrors() {
        Tensor q = ops.upload(Shape.of(1, 4, 6), new float[24]);
        Tensor otherK = ops.upload(Shape.of(1, 4, 4), new float[16]);
        Tensor gates = ops.upload(Shape.of(1, 4, 2), new float[8]);
        Tensor wrongGates = ops.upload(Shape.of(1, 4, 3), new float[12]);
        assertThatThrownBy(() -> ops.mlstm(q, otherK, q, gates, gates, 2, 1e-6f))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("mlstm: q [1,4,6] and k [1,4,4]");
        assertThatThrownBy(() -> ops.mlstm(q, q, q, gates, gates, 4, 1e-6f))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("4 heads");
        assertThatThrownBy(() -> ops.mlstm(q, q, q, wrongGates, gates, 2, 1e-6f))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("igate [1,4,3]");
        assertThatThrownBy(() -> ops.mlstm(q, q, q, gates, wrongGates, 2, 1e-6f))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("fgate [1,4,3]");
        Tensor flat = ops.upload(Shape.of(4, 6), new float[24]);
        assertThatThrownBy(() -> ops.mlstm(flat, flat, flat, gates, gates, 2, 1e-6f))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("rank 3");
    }
}
