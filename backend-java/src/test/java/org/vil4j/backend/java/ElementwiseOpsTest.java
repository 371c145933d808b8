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

/** layerNorm and the element-wise ops. */
class ElementwiseOpsTest {
    private final Ops ops = new JavaBackend().open("cpu");

    @AfterEach
    void close() {
        ops.close();
    }

    private Tensor vector(float... values) {
        return ops.parameter(Shape.of(values.length), values);
    }

    @Test
    void layerNormByHand() {
        Tensor x = ops.upload(Shape.of(1, 4), new float[] {1, 2, 3, 4});
        // mean 2.5, biased variance 1.25
        double std = Math.sqrt(1.25);
        float[] plain = ops.download(ops.layerNorm(x, 4, null, false, null, 0f));
        assertThat(plain).containsExactly(new float[] {(float) (-1.5 / std), (float) (-0.5 / std),
                (float) (0.5 / std), (float) (1.5 / std)}, within(1e-6f));
        float[] affine = ops.download(ops.layerNorm(x, 4, vector(1, 2, 1, 1), false, vector(0, 0, 0, 1), 0f));
        assertThat(affine).containsExactly(new float[] {(float) (-1.5 / std), (float) (-1.0 / std),
                (float) (0.5 / std), (float) (1.5 / std + 1)}, within(1e-6f));
    }

    @Test
    void layerNormPerGroupWithResidualWeight() {
        Tensor x = ops.upload(Shape.of(1, 4), new float[] {1, 2, 3, 4});
        // groups [1,2] and [3,4] each normalise to [-1, 1]; scale 1 + w = [1, 2, 0.5, 1]
        float[] grouped = ops.download(ops.layerNorm(x, 2, vector(0, 1, -0.5f, 0), true, null, 0f));
        assertThat(grouped).containsExactly(new float[] {-1, 2, -0.5f, 1}, within(1e-6f));
        float[] noWeight = ops.download(ops.layerNorm(x, 2, null, true, vector(1, 1, 1, 1), 0f));
        assertThat(noWeight).containsExactly(new float[] {0, 2, 0, 2}, within(1e-6f));
    }

    @Test
    void layerNormPutsEpsInsideTheSquareRoot() {
        Tensor x = ops.upload(Shape.of(2), new float[] {0, 2});
        // variance 1, eps 1: (x - 1) / sqrt(2)
        float[] out = ops.download(ops.layerNorm(x, 2, null, false, null, 1f));
        assertThat(out).containsExactly(new float[] {(float) -Math.sqrt(0.5), (float) Math.sqrt(0.5)}, within(1e-6f));
    }

    @Test
    void layerNormMatchesNaiveLoopsOnManyRows() {
        int rows = 300;
        int cols = 48;
        int group = 12;
        float[] x = TestData.shifted(random(10, rows * cols, 2), 100); // a large mean must not cancel
        float[] w = random(11, cols, 1);
        float[] b = random(12, cols, 1);
        Tensor out = ops.layerNorm(ops.upload(Shape.of(3, 100, cols), x), group, vector(w), false, vector(b), 1e-5f);
        double[] expected = new double[rows * cols];
        for (int g = 0; g < rows * cols; g += group) {
            double mean = 0;
            for (int i = 0; i < group; i++) {
                mean += x[g + i];
            }
            mean /= group;
            double variance = 0;
            for (int i = 0; i < group; i++) {
                variance += (x[g + i] - mean) * (x[g + i] - mean);
            }
            variance /= group;
            for (int i = 0; i < group; i++) {
                int c = (g + i) % cols;
                expected[g + i] = (x[g + i] - mean) / Math.sqrt(variance + 1e-5f) * w[c] + b[c];
            }
        }
        assertClose(ops.download(out), expected, 1e-5, 1e-5);
    }

    @Test
    void layerNormShapeErrors() {
        Tensor x = ops.upload(Shape.of(2, 6), new float[12]);
        assertThatThrownBy(() -> ops.layerNorm(x, 4, null, false, null, 1e-5f))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("layerNorm: groupSize 4");
        assertThatThrownBy(() -> ops.layerNorm(x, 0, null, false, null, 1e-5f))
                .isInstanceOf(ShapeMismatchException.class);
        assertThatThrownBy(() -> ops.layerNorm(x, 6, vector(1, 2, 3), false, null, 1e-5f))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("weight [3]");
        assertThatThrownBy(() -> ops.layerNorm(x, 6, null, false, vector(1, 2), 1e-5f))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("bias [2]");
    }

    @Test
    void addSameShapeAndTrailingBroadcast() {
        Tensor a = ops.upload(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});
        Tensor same = ops.upload(Shape.of(2, 3), new float[] {10, 20, 30, 40, 50, 60});
        assertThat(ops.download(ops.add(a, same))).containsExactly(11, 22, 33, 44, 55, 66);
        assertThat(ops.download(ops.add(a, vector(100, 200, 300)))).containsExactly(101, 202, 303, 104, 205, 306);
        Tensor big = ops.upload(Shape.of(2, 2, 3), new float[12]);
        Tensor trailing2 = ops.add(big, a);
        assertThat(ops.download(trailing2)).containsExactly(1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void addOfLargeTensorsRunsInParallelCorrectly() {
        float[] a = random(13, 4 * 197 * 96, 1);
        float[] b = random(14, 197 * 96, 1);
        float[] out = ops.download(ops.add(ops.upload(Shape.of(4, 197, 96), a), ops.upload(Shape.of(197, 96), b)));
        for (int i = 0; i < a.length; i += 997) {
            assertThat(out[i]).isEqualTo(a[i] + b[i % b.length]);
        }
        assertThat(out[a.length - 1]).isEqualTo(a[a.length - 1] + b[b.length - 1]);
    }

    @Test
    void addShapeErrors() {
        Tensor a = ops.upload(Shape.of(2, 3), new float[6]);
        assertThatThrownBy(() -> ops.add(a, vector(1, 2)))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("add: b [2]").hasMessageContaining("[2,3]");
        Tensor leading = ops.upload(Shape.of(2, 1), new float[2]);
        assertThatThrownBy(() -> ops.add(a, leading)).isInstanceOf(ShapeMismatchException.class);
        Tensor bigger = ops.upload(Shape.of(1, 2, 3), new float[6]);
        assertThatThrownBy(() -> ops.add(a, bigger)).isInstanceOf(ShapeMismatchException.class);
    }

    @Test
    void mulScaleAndSilu() {
        Tensor a = ops.upload(Shape.of(3), new float[] {1, -2, 3});
        Tensor b = ops.upload(Shape.of(3), new float[] {4, 5, -6});
        assertThat(ops.download(ops.mul(a, b))).containsExactly(4, -10, -18);
        assertThat(ops.download(ops.scale(a, -0.5f))).containsExactly(-0.5f, 1, -1.5f);
        Tensor x = ops.upload(Shape.of(5), new float[] {0, 1, -1, 100, -100});
        assertThat(ops.download(ops.silu(x))).containsExactly(
                new float[] {0, 0.7310586f, -0.26894143f, 100, 0}, within(1e-7f));
        assertThatThrownBy(() -> ops.mul(a, ops.upload(Shape.of(1, 3), new float[3])))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("mul: a [3] and b [1,3]");
    }

    @Test
    void skipGateByHand() {
        Tensor h = ops.upload(Shape.of(2, 2), new float[] {1, 2, 1, 2});
        Tensor a = ops.upload(Shape.of(2, 2), new float[] {2, 1, 2, 1});
        Tensor z = ops.upload(Shape.of(2, 2), new float[] {0, 1, 1, -1});
        float[] out = ops.download(ops.skipGate(h, vector(0.5f, 2), a, z));
        // (h + skip * a) = [2, 4] per row; silu(z) = [0, 0.7310586] and [0.7310586, -0.26894143]
        assertThat(out).containsExactly(new float[] {0, 4 * 0.7310586f, 2 * 0.7310586f, 4 * -0.26894143f},
                within(1e-6f));
    }

    @Test
    void skipGateShapeErrors() {
        Tensor h = ops.upload(Shape.of(2, 2), new float[4]);
        Tensor other = ops.upload(Shape.of(4), new float[4]);
        assertThatThrownBy(() -> ops.skipGate(h, vector(1, 1), other, h))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("skipGate: h [2,2] and a [4]");
        assertThatThrownBy(() -> ops.skipGate(h, vector(1, 1), h, other))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("z [4]");
        assertThatThrownBy(() -> ops.skipGate(h, vector(1, 1, 1), h, h))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("skip [3]");
    }
}
