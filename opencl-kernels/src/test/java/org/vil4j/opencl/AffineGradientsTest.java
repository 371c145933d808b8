package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;
import org.vil4j.backend.java.JavaBackend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * affineGradients on the device: a layer norm's weight and bias gradients in one launch, the same numbers as the
 * composition it replaces (a product and two column sums, three launches) and as the java oracle.
 */
class AffineGradientsTest {
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
    @CsvSource({"1, 1", "7, 3", "300, 5", "1000, 64", "6, 0"})
    void bothSumsInOneLaunchMatchTheComposition(int rows, int cols) {
        Shape shape = Shape.of(rows, cols);
        float[] dy = random(rows * 31L + cols, rows * cols, 1), n = random(rows * 17L + cols, rows * cols, 2);
        long mark = device.mark();
        try {
            Tensor dyd = device.upload(shape, dy), nd = device.upload(shape, n);
            long before = device.kernelLaunches();
            AffineGradients fused = device.affineGradients(dyd, nd);
            long launches = device.kernelLaunches() - before;
            float[] weight = device.download(fused.weight()), bias = device.download(fused.bias());
            assertThat(launches).isEqualTo(cols == 0 ? 0 : 1);
            assertThat(fused.weight().shape()).isEqualTo(Shape.of(cols));
            assertThat(fused.bias().shape()).isEqualTo(Shape.of(cols));
            // bit for bit what the product and the two column sums gave
            assertThat(weight).containsExactly(device.download(device.columnSums(device.mul(dyd, nd))));
            assertThat(bias).containsExactly(device.download(device.columnSums(dyd)));
            AffineGradients java = oracle.affineGradients(oracle.upload(shape, dy), oracle.upload(shape, n));
            assertClose(weight, oracle.download(java.weight()));
            assertClose(bias, oracle.download(java.bias()));
        } finally {
            device.release(mark);
        }
    }

    @Test
    void operandsOfTwoShapesAreRefused() {
        long mark = device.mark();
        try {
            Tensor a = device.upload(Shape.of(4, 3), new float[12]), b = device.upload(Shape.of(3, 4), new float[12]);
            assertThatThrownBy(() -> device.affineGradients(a, b)).isInstanceOf(ShapeMismatchException.class)
                    .hasMessage("affineGradients: dy [4,3] and normalised [3,4] must have the same shape");
        } finally {
            device.release(mark);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        float max = 0;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < actual.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).as("column %d", i).isLessThanOrEqualTo(1e-5f * Math.max(1, max));
        }
    }
}
