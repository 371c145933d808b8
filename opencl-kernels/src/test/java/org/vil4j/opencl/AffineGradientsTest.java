package org.vil4j.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * affineGradients on the device: a layer norm's weight and bias gradients in one launch, the same numbers as the
 * composition it replaces (a product and two column sums, three launches) and as the java oracle.
 */
class AffineGradientsTest extends DeviceWithOracle {
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
            assertNear(weight, oracle.download(java.weight()));
            assertNear(bias, oracle.download(java.bias()));
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
}
