package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.vil4j.backend.java.TestData.assertClose;
import static org.vil4j.backend.java.TestData.random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

/** linear, matmul, headwiseLinear and transpose. */
class DenseOpsTest {
    private final Ops ops = new JavaBackend().open("cpu");

    @AfterEach
    void close() {
        ops.close();
    }

    @Test
    void linearByHand() {
        Tensor x = ops.upload(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});
        Tensor w = ops.parameter(Shape.of(2, 3), new float[] {1, 0, -1, 0.5f, 0.5f, 0.5f});
        Tensor bias = ops.parameter(Shape.of(2), new float[] {10, 20});
        assertThat(ops.download(ops.linear(x, w, bias))).containsExactly(8, 23, 8, 27.5f);
        Tensor noBias = ops.linear(x, w, null);
        assertThat(noBias.shape()).isEqualTo(Shape.of(2, 2));
        assertThat(ops.download(noBias)).containsExactly(-2, 3, -2, 7.5f);
    }

    @Test
    void linearMatchesNaiveLoopsOnEveryTileEdge() {
        // 2 x 65 rows and 131 outputs: partial 4x4 blocks and partial 64-tiles, large enough to run in parallel
        int[] leading = {2, 65};
        int k = 67;
        int m = 131;
        int rows = leading[0] * leading[1];
        float[] x = random(1, rows * k, 1);
        float[] w = random(2, m * k, 0.2f);
        float[] bias = random(3, m, 1);
        Tensor out = ops.linear(ops.upload(Shape.of(leading[0], leading[1], k), x),
                ops.parameter(Shape.of(m, k), w), ops.parameter(Shape.of(m), bias));
        assertThat(out.shape()).isEqualTo(Shape.of(2, 65, m));
        double[] expected = new double[rows * m];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < m; j++) {
                double sum = bias[j];
                for (int i = 0; i < k; i++) {
                    sum += (double) x[r * k + i] * w[j * k + i];
                }
                expected[r * m + j] = sum;
            }
        }
        assertClose(ops.download(out), expected, 1e-5, 1e-5);
    }

    @Test
    void linearOfOneRowAndARankOneInput() {
        Tensor x = ops.upload(Shape.of(3), new float[] {1, 2, 3});
        Tensor w = ops.parameter(Shape.of(5, 3), new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, -1, -1, -1});
        Tensor out = ops.linear(x, w, null);
        assertThat(out.shape()).isEqualTo(Shape.of(5));
        assertThat(ops.download(out)).containsExactly(1, 2, 3, 6, -6);
    }

    @Test
    void linearNamesTheShapesThatDisagree() {
        Tensor x = ops.upload(Shape.of(2, 16, 32), new float[2 * 16 * 32]);
        Tensor w = ops.parameter(Shape.of(128, 30), new float[128 * 30]);
        assertThatThrownBy(() -> ops.linear(x, w, null))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessage("linear: x [2,16,32] and w [128,30] disagree on K");
        Tensor w3 = ops.parameter(Shape.of(4, 32), new float[4 * 32]);
        Tensor badBias = ops.parameter(Shape.of(5), new float[5]);
        assertThatThrownBy(() -> ops.linear(x, w3, badBias))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("linear").hasMessageContaining("bias [5]");
        Tensor flatW = ops.parameter(Shape.of(32), new float[32]);
        assertThatThrownBy(() -> ops.linear(x, flatW, null))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("w [32]");
    }

    @Test
    void matmulByHand() {
        Tensor a = ops.upload(Shape.of(1, 2, 2), new float[] {1, 2, 3, 4});
        Tensor c = ops.upload(Shape.of(1, 2, 2), new float[] {5, 6, 7, 8});
        Tensor out = ops.matmul(a, c);
        assertThat(out.shape()).isEqualTo(Shape.of(1, 2, 2));
        assertThat(ops.download(out)).containsExactly(19, 22, 43, 50);

        Tensor a2 = ops.upload(Shape.of(1, 3), new float[] {1, 2, 3});
        Tensor c2 = ops.upload(Shape.of(3, 2), new float[] {1, 0, 0, 1, 1, 1});
        Tensor out2 = ops.matmul(a2, c2);
        assertThat(out2.shape()).isEqualTo(Shape.of(1, 2));
        assertThat(ops.download(out2)).containsExactly(4, 5);
    }

    @Test
    void matmulPerBatchMatchesNaiveLoops() {
        int batch = 3;
        int rowsI = 9;
        int depth = 70;
        int colsJ = 13;
        float[] a = random(4, batch * rowsI * depth, 1);
        float[] c = random(5, batch * depth * colsJ, 1);
        Tensor out = ops.matmul(ops.upload(Shape.of(batch, rowsI, depth), a),
                ops.upload(Shape.of(batch, depth, colsJ), c));
        double[] expected = new double[batch * rowsI * colsJ];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < rowsI; i++) {
                for (int j = 0; j < colsJ; j++) {
                    double sum = 0;
                    for (int k = 0; k < depth; k++) {
                        sum += (double) a[(b * rowsI + i) * depth + k] * c[(b * depth + k) * colsJ + j];
                    }
                    expected[(b * rowsI + i) * colsJ + j] = sum;
                }
            }
        }
        assertClose(ops.download(out), expected, 1e-5, 1e-5);

        // one c shared by every batch
        Tensor shared = ops.matmul(ops.upload(Shape.of(batch, rowsI, depth), a),
                ops.upload(Shape.of(depth, colsJ), java.util.Arrays.copyOf(c, depth * colsJ)));
        float[] values = ops.download(shared);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < rowsI; i++) {
                double sum = 0;
                for (int k = 0; k < depth; k++) {
                    sum += (double) a[(b * rowsI + i) * depth + k] * c[k * colsJ];
                }
                assertThat(values[(b * rowsI + i) * colsJ]).isCloseTo((float) sum, within(1e-4f));
            }
        }
    }

    @Test
    void matmulShapeErrors() {
        Tensor a = ops.upload(Shape.of(2, 3, 4), new float[24]);
        Tensor wrongK = ops.upload(Shape.of(2, 5, 4), new float[40]);
        Tensor wrongBatch = ops.upload(Shape.of(3, 4, 2), new float[24]);
        Tensor rank1 = ops.upload(Shape.of(4), new float[4]);
        assertThatThrownBy(() -> ops.matmul(a, wrongK))
                .isInstanceOf(ShapeMismatchException.class).hasMessage("matmul: a [2,3,4] and c [2,5,4] disagree on K");
        assertThatThrownBy(() -> ops.matmul(a, wrongBatch))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("batch");
        assertThatThrownBy(() -> ops.matmul(a, rank1))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("matmul").hasMessageContaining("[4]");
    }

    @Test
    void headwiseLinearByHand() {
        Tensor x = ops.upload(Shape.of(1, 4), new float[] {1, 2, 3, 4});
        Tensor w = ops.parameter(Shape.of(2, 2, 2), new float[] {1, 2, 3, 4, 0, 1, 1, 0});
        Tensor bias = ops.parameter(Shape.of(4), new float[] {1, 1, 1, 1});
        assertThat(ops.download(ops.headwiseLinear(x, w, bias))).containsExactly(6, 12, 5, 4);
        assertThat(ops.download(ops.headwiseLinear(x, w, null))).containsExactly(5, 11, 4, 3);
    }

    @Test
    void headwiseLinearMatchesNaiveLoops() {
        int rows = 150;
        int heads = 24;
        int d = 4;
        int features = heads * d;
        float[] x = random(6, rows * features, 1);
        float[] w = random(7, heads * d * d, 1);
        float[] bias = random(8, features, 1);
        Tensor out = ops.headwiseLinear(ops.upload(Shape.of(3, 50, features), x),
                ops.parameter(Shape.of(heads, d, d), w), ops.parameter(Shape.of(features), bias));
        double[] expected = new double[rows * features];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                for (int o = 0; o < d; o++) {
                    double sum = bias[h * d + o];
                    for (int i = 0; i < d; i++) {
                        sum += (double) x[r * features + h * d + i] * w[(h * d + o) * d + i];
                    }
                    expected[r * features + h * d + o] = sum;
                }
            }
        }
        assertClose(ops.download(out), expected, 1e-5, 1e-5);
    }

    @Test
    void headwiseLinearShapeErrors() {
        Tensor x = ops.upload(Shape.of(2, 8), new float[16]);
        Tensor notSquare = ops.parameter(Shape.of(2, 4, 3), new float[24]);
        Tensor tooFew = ops.parameter(Shape.of(3, 2, 2), new float[12]);
        Tensor w = ops.parameter(Shape.of(2, 4, 4), new float[32]);
        Tensor bias = ops.parameter(Shape.of(4), new float[4]);
        assertThatThrownBy(() -> ops.headwiseLinear(x, notSquare, null))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("headwiseLinear: w [2,4,3]");
        assertThatThrownBy(() -> ops.headwiseLinear(x, tooFew, null))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("x [2,8] and w [3,2,2]");
        assertThatThrownBy(() -> ops.headwiseLinear(x, w, bias))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("bias [4]");
    }

    @Test
    void transposeSwapsTheLastTwoDimensions() {
        Tensor x = ops.upload(Shape.of(1, 2, 3), new float[] {1, 2, 3, 4, 5, 6});
        Tensor out = ops.transpose(x);
        assertThat(out.shape()).isEqualTo(Shape.of(1, 3, 2));
        assertThat(ops.download(out)).containsExactly(1, 4, 2, 5, 3, 6);
        Tensor matrix = ops.transpose(ops.upload(Shape.of(3, 1), new float[] {7, 8, 9}));
        assertThat(matrix.shape()).isEqualTo(Shape.of(1, 3));
        assertThat(ops.download(matrix)).containsExactly(7, 8, 9);
    }

    @Test
    void transposeOfLargeBatchesRoundTrips() {
        float[] x = random(9, 2 * 70 * 45, 1);
        Tensor t = ops.upload(Shape.of(2, 70, 45), x);
        Tensor once = ops.transpose(t);
        float[] values = ops.download(once);
        assertThat(values[(1 * 45 + 44) * 70 + 3]).isEqualTo(x[(1 * 70 + 3) * 45 + 44]);
        assertThat(ops.download(ops.transpose(once))).containsExactly(x);
        assertThatThrownBy(() -> ops.transpose(ops.upload(Shape.of(4), new float[4])))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("transpose: x [4]");
    }
}
