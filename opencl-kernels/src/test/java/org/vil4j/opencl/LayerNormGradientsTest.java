package org.vil4j.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.LayerNormGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * A layer norm's three gradients from one dx pass (which also writes the normalised input) and one reduction: dx bit
 * for bit layerNormBackward's, the weight and bias gradients those of the composition (a second normalisation, two
 * column sums) and of the java oracle, in two launches where the composition takes three.
 */
class LayerNormGradientsTest extends DeviceWithOracle {
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
            assertNear(dw, device.download(composed.weight()));
            assertThat(db).containsExactly(device.download(composed.bias()));

            Tensor xj = oracle.upload(shape, x), dyj = oracle.upload(shape, dy), wj = oracle.upload(Shape.of(cols), w);
            LayerNormGradients java = oracle.layerNormGradients(xj, dyj, groupSize, wj, residualWeight, eps);
            assertNear(dx, oracle.download(java.dx()));
            assertNear(dw, oracle.download(java.weight()));
            assertNear(db, oracle.download(java.bias()));
        } finally {
            device.release(mark);
        }
    }

    /** x's gradient so far added in the dx pass: dx bit for bit the composition's (its add), two launches still. */
    @ParameterizedTest
    @CsvSource({"3, 8, 8, false", "300, 12, 4, true"})
    void theGradientSoFarAddedInTheSamePass(int rows, int cols, int groupSize, boolean residualWeight) {
        Shape shape = Shape.of(rows, cols);
        float[] x = random(rows * 5L + cols, rows * cols, 3), dy = random(rows * 13L + cols, rows * cols, 1);
        float[] plus = random(rows * 17L + cols, rows * cols, 1), w = random(cols + 1L, cols, 0.5);
        long mark = device.mark();
        try {
            Tensor xd = device.upload(shape, x), dyd = device.upload(shape, dy), pd = device.upload(shape, plus);
            Tensor wd = device.upload(Shape.of(cols), w);
            long before = device.kernelLaunches();
            LayerNormGradients g = device.layerNormGradients(xd, dyd, groupSize, wd, residualWeight, 1e-5f, pd);
            assertThat(device.kernelLaunches() - before).isEqualTo(2);
            LayerNormGradients plain = device.layerNormGradients(xd, dyd, groupSize, wd, residualWeight, 1e-5f);
            assertThat(device.download(g.dx())).containsExactly(device.download(device.add(pd, plain.dx())));
            assertThat(device.download(g.weight())).containsExactly(device.download(plain.weight()));
            assertThat(device.download(g.bias())).containsExactly(device.download(plain.bias()));
        } finally {
            device.release(mark);
        }
    }
}
