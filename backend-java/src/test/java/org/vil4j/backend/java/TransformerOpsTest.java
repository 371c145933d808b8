package org.vil4j.backend.java;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The oracle's transformer ops against values computed another way (tables, an explicit softmax). */
class TransformerOpsTest {
    @Test
    void geluIsExactErfGelu() {
        try (Ops ops = new JavaBackend().open(null)) {
            float[] x = {-3f, -0.5f, 0f, 1f, 2.5f, 8f};
            float[] y = ops.download(ops.gelu(ops.upload(Shape.of(6), x)));
            // x * 0.5 * (1 + erf(x / sqrt 2)) in float64 (Python math.erf)
            double[] expected = {-0.00404969409, -0.15426876936, 0.0, 0.84134474607, 2.48447583669, 8.0};
            for (int i = 0; i < x.length; i++) {
                assertThat((double) y[i]).as("gelu(%s)", x[i]).isCloseTo(expected[i], within(2e-7));
            }
            // derivative: Phi(x) + x phi(x) at 1 = 0.8413447 + 0.2419707
            float[] d = ops.download(ops.geluBackward(ops.upload(Shape.of(1), new float[]{1f}),
                    ops.upload(Shape.of(1), new float[]{2f})));
            assertThat((double) d[0]).isCloseTo(2 * (0.841344746 + 0.241970725), within(1e-6));
        }
    }

    @Test
    void attentionIsSoftmaxWeightedValuesPerHead() {
        try (Ops ops = new JavaBackend().open(null)) {
            int b = 2, s = 3, heads = 2, dh = 2, w = heads * dh;
            float[] q = new float[b * s * w], k = new float[q.length], v = new float[q.length];
            java.util.SplittableRandom r = new java.util.SplittableRandom(3);
            for (int i = 0; i < q.length; i++) {
                q[i] = (float) r.nextDouble(-1, 1);
                k[i] = (float) r.nextDouble(-1, 1);
                v[i] = (float) r.nextDouble(-1, 1);
            }
            Shape shape = Shape.of(b, s, w);
            float[] out = ops.download(ops.attention(ops.upload(shape, q), ops.upload(shape, k),
                    ops.upload(shape, v), heads, 0.7f));
            for (int bi = 0; bi < b; bi++) {
                for (int h = 0; h < heads; h++) {
                    for (int t = 0; t < s; t++) {
                        double[] e = new double[s];
                        double sum = 0;
                        for (int u = 0; u < s; u++) {
                            double dot = 0;
                            for (int d = 0; d < dh; d++) {
                                dot += q[(bi * s + t) * w + h * dh + d] * k[(bi * s + u) * w + h * dh + d];
                            }
                            e[u] = Math.exp(0.7 * dot);
                            sum += e[u];
                        }
                        for (int d = 0; d < dh; d++) {
                            double expected = 0;
                            for (int u = 0; u < s; u++) {
                                expected += e[u] / sum * v[(bi * s + u) * w + h * dh + d];
                            }
                            assertThat((double) out[(bi * s + t) * w + h * dh + d]).isCloseTo(expected, within(1e-6));
                        }
                    }
                }
            }
        }
    }

    @Test
    void scaleChannelsMultipliesEachFeature() {
        try (Ops ops = new JavaBackend().open(null)) {
            Tensor x = ops.upload(Shape.of(2, 3), new float[]{1, 2, 3, 4, 5, 6});
            Tensor w = ops.upload(Shape.of(3), new float[]{10, -1, 0.5f});
            assertThat(ops.download(ops.scaleChannels(x, w))).containsExactly(10, -2, 1.5f, 40, -5, 3);
        }
    }
}
