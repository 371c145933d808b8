package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.LayerNormGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.backend.java.JavaBackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * A layer norm's three gradients from one dx pass (which also writes the normalised input) and one reduction: dx bit
 * for bit layerNormBackward's, the weight and bias gradients those of the composition (a second normalisation, two
 * column sums) and of the java oracle, in two launches where the composition takes three.
 */
class LayerNormGradientsTest {
    static Ops device;
    static Ops oracle;

    @BeforeAll
    static void open() {
        device = new OpenCLBackend().open(null);
        oracle = new JavaBackend().open(null);
    }

    @AfterAll
    static void close() {
        device.close();
        oracle.close();
    }

    @ParameterizedTest
    @CsvSource({"3, 8, 8, false", "300, 12, 4, true", "40, 64, 64, true", "2, 6, 3, false"})
    void threeGradientsInTwoLaunches(int rows, int cols, int groupSize, boolean residualWeight) {
        Shape shape = Shape.of(rows, cols);
        float[] x = random(rows * 7L + cols, rows * cols, 3), dy = random(rows * 11L + cols, rows * cols, 1);
        float[] w = random(cols, cols, 0.5);
        float eps = 1e-5f;
        long mark = device.mark();
        try {
            Tensor xd = device.upload(shape, x), dyd = device.upload(shape, dy);
            Tensor wd = device.upload(Shape.of(cols), w);
            long before = device.kernelLaunches();
            LayerNormGradients g = device.layerNormGradients(xd, dyd, groupSize, wd, residualWeight, eps);
            assertThat(device.kernelLaunches() - before).isEqualTo(2);
            float[] dx = device.download(g.dx()), dw = device.download(g.weight()), db = device.download(g.bias());
            assertThat(dx).containsExactly(device.download(
                    device.layerNormBackward(xd, dyd, groupSize, wd, residualWeight, eps)));
            AffineGradients composed = device.affineGradients(dyd,
                    device.layerNorm(xd, groupSize, null, false, null, eps));
            assertClose(dw, device.download(composed.weight()));
            assertThat(db).containsExactly(device.download(composed.bias()));

            Tensor xj = oracle.upload(shape, x), dyj = oracle.upload(shape, dy), wj = oracle.upload(Shape.of(cols), w);
            LayerNormGradients java = oracle.layerNormGradients(xj, dyj, groupSize, wj, residualWeight, eps);
            assertClose(dx, oracle.download(java.dx()));
            assertClose(dw, oracle.download(java.weight()));
            assertClose(db, oracle.download(java.bias()));
        } finally {
            device.release(mark);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        float max = 0;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < actual.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).as("element %d", i)
                    .isLessThanOrEqualTo(1e-5f * Math.max(1, max));
        }
    }
}
