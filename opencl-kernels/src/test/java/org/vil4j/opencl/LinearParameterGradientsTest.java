package org.vil4j.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.LinearGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * A linear's (and a head-wise linear's) weight and bias gradients together: bit for bit the weight gradient and the
 * column sums they replace, and with a split-K weight gradient the bias's sums in its reduction launch; an input that
 * is a column view read in place, as the java oracle reads its dense copy.
 */
class LinearParameterGradientsTest extends DeviceWithOracle {
    @ParameterizedTest
    @CsvSource({
            // rows, in, out: few rows (one GEMM, no split), many rows over few tiles (split-K), a rest-free split
            "5, 3, 4", "1000, 8, 6", "1280, 16, 12", "300, 70, 65"})
    void linearGradientsTakeOneLaunchFewerWhenSplit(int rows, int in, int out) {
        float[] x = random(rows + 1L, rows * in, 1), dy = random(rows + 2L, rows * out, 1);
        long mark = device.mark();
        try {
            Tensor xd = device.upload(Shape.of(rows, in), x), dyd = device.upload(Shape.of(rows, out), dy);
            long before = device.kernelLaunches();
            LinearGradients both = device.linearParameterGradients(xd, dyd);
            long together = device.kernelLaunches() - before;
            float[] weight = device.download(both.weight()), bias = device.download(both.bias());
            before = device.kernelLaunches();
            Tensor w = device.linearWeightGradient(xd, dyd), b = device.columnSums(dyd);
            long apart = device.kernelLaunches() - before;
            assertThat(both.weight().shape()).isEqualTo(Shape.of(out, in));
            assertThat(both.bias().shape()).isEqualTo(Shape.of(out));
            assertThat(weight).containsExactly(device.download(w));
            assertThat(bias).containsExactly(device.download(b));
            boolean split = DeviceGradients.splitCount(rows, ((out + 63) / 64) * ((in + 63) / 64)) > 1;
            assertThat(together).isEqualTo(split ? apart - 1 : apart);
        } finally {
            device.release(mark);
        }
    }

    @ParameterizedTest
    @CsvSource({"7, 2, 3", "600, 96, 4"})
    void headwiseGradientsMatchTheirParts(int rows, int heads, int d) {
        int features = heads * d;
        float[] x = random(rows + 3L, rows * features, 1), dy = random(rows + 4L, rows * features, 1);
        long mark = device.mark();
        try {
            Tensor xd = device.upload(Shape.of(rows, features), x);
            Tensor dyd = device.upload(Shape.of(rows, features), dy);
            LinearGradients both = device.headwiseParameterGradients(xd, dyd, heads);
            assertThat(both.weight().shape()).isEqualTo(Shape.of(heads, d, d));
            assertThat(device.download(both.weight()))
                    .containsExactly(device.download(device.headwiseWeightGradient(xd, dyd, heads)));
            assertThat(device.download(both.bias())).containsExactly(device.download(device.columnSums(dyd)));
        } finally {
            device.release(mark);
        }
    }

    @ParameterizedTest
    @CsvSource({
            // rows, in, out, heads: a few-row weight gradient (4 outputs), a split GEMM, one GEMM; head-wise 4 x 4
            "300, 24, 4, 6", "1280, 16, 70, 4", "5, 8, 6, 2"})
    void anInputThatIsAColumnViewIsReadThroughItsRowStrideWithoutACopy(int rows, int in, int out, int heads) {
        // x is columns [3, 3 + in) of a wider tensor, as the gates read q | k | v out of q | k | v | gates
        int wide = in + 7;
        float[] all = random(rows + 5L, rows * wide, 1), dy = random(rows + 6L, rows * out, 1);
        float[] dense = new float[rows * in];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(all, r * wide + 3, dense, r * in, in);
        }
        long mark = device.mark(), oracleMark = oracle.mark();
        try {
            Tensor view = device.columns(device.upload(Shape.of(rows, wide), all), 3, in);
            Tensor dyd = device.upload(Shape.of(rows, out), dy);
            Tensor denseX = device.upload(Shape.of(rows, in), dense);
            long before = device.kernelLaunches();
            LinearGradients got = device.linearParameterGradients(view, dyd);
            long viewLaunches = device.kernelLaunches() - before;
            before = device.kernelLaunches();
            device.linearParameterGradients(denseX, dyd);
            assertThat(viewLaunches).as("no dense copy of the view").isEqualTo(device.kernelLaunches() - before);
            LinearGradients want = oracle.linearParameterGradients(oracle.upload(Shape.of(rows, in), dense),
                    oracle.upload(Shape.of(rows, out), dy));
            assertNear(device.download(got.weight()), oracle.download(want.weight()));
            assertNear(device.download(got.bias()), oracle.download(want.bias()));
            // head-wise: x [rows, in] as heads of in / heads features, dy the same shape
            float[] dyh = random(rows + 7L, rows * in, 1);
            Tensor dyhd = device.upload(Shape.of(rows, in), dyh);
            before = device.kernelLaunches();
            LinearGradients gotHeads = device.headwiseParameterGradients(view, dyhd, heads);
            viewLaunches = device.kernelLaunches() - before;
            before = device.kernelLaunches();
            device.headwiseParameterGradients(denseX, dyhd, heads);
            assertThat(viewLaunches).as("no dense copy of the view").isEqualTo(device.kernelLaunches() - before);
            LinearGradients wantHeads = oracle.headwiseParameterGradients(oracle.upload(Shape.of(rows, in), dense),
                    oracle.upload(Shape.of(rows, in), dyh), heads);
            assertNear(device.download(gotHeads.weight()), oracle.download(wantHeads.weight()));
            assertNear(device.download(gotHeads.bias()), oracle.download(wantHeads.bias()));
        } finally {
            device.release(mark);
            oracle.release(oracleMark);
        }
    }
}
