package org.vil4j.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * headwiseLinearTransposed on the device: w read transposed in the projection's own launch, bit for bit the
 * projection by a transposed w (two launches), and the java oracle's numbers; headwiseLinearTransposedSum of two in
 * one launch (with the input's gradient so far added, or not), the java oracle's composition's numbers.
 */
class HeadwiseTransposedTest extends DeviceWithOracle {
    @ParameterizedTest
    @CsvSource({"5, 3, 4", "64, 96, 4", "7, 1, 9", "2, 4, 1"})
    void oneLaunchMatchesTheTransposeAndTheProjection(int rows, int heads, int d) {
        int features = heads * d;
        float[] x = random(rows * 5L + d, rows * features, 1), w = random(heads * 3L + d, heads * d * d, 1);
        long mark = device.mark();
        try {
            Tensor xd = device.upload(Shape.of(rows, features), x), wd = device.upload(Shape.of(heads, d, d), w);
            long before = device.kernelLaunches();
            Tensor out = device.headwiseLinearTransposed(xd, wd);
            assertThat(device.kernelLaunches() - before).isEqualTo(1);
            float[] fused = device.download(out);
            assertThat(fused).containsExactly(device.download(device.headwiseLinear(xd, device.transpose(wd), null)));
            assertNear(fused, oracle.download(oracle.headwiseLinearTransposed(oracle.upload(Shape.of(rows, features),
                    x), oracle.upload(Shape.of(heads, d, d), w))));
        } finally {
            device.release(mark);
        }
    }

    @ParameterizedTest
    @CsvSource({"5, 3, 4", "64, 96, 4", "7, 1, 9", "2, 4, 1"})
    void twoProjectionsInputGradientsSummedInOneLaunch(int rows, int heads, int d) {
        int features = heads * d;
        float[] x0 = random(rows * 7L + d, rows * features, 1), x1 = random(rows * 11L + d, rows * features, 1);
        float[] w0 = random(heads * 5L + d, heads * d * d, 1), w1 = random(heads * 13L + d, heads * d * d, 1);
        long mark = device.mark();
        try {
            Shape xs = Shape.of(rows, features), ws = Shape.of(heads, d, d);
            Tensor x0d = device.upload(xs, x0), x1d = device.upload(xs, x1);
            Tensor w0d = device.upload(ws, w0), w1d = device.upload(ws, w1);
            float[] p = random(rows * 17L + d, rows * features, 1);
            Tensor pd = device.upload(xs, p);
            long before = device.kernelLaunches();
            Tensor out = device.headwiseLinearTransposedSum(x0d, w0d, x1d, w1d, null);
            Tensor outPlus = device.headwiseLinearTransposedSum(x0d, w0d, x1d, w1d, pd);
            assertThat(device.kernelLaunches() - before).isEqualTo(2);
            assertNear(device.download(out), oracle.download(oracle.headwiseLinearTransposedSum(
                    oracle.upload(xs, x0), oracle.upload(ws, w0), oracle.upload(xs, x1), oracle.upload(ws, w1), null)));
            assertNear(device.download(outPlus), oracle.download(oracle.headwiseLinearTransposedSum(
                    oracle.upload(xs, x0), oracle.upload(ws, w0), oracle.upload(xs, x1), oracle.upload(ws, w1),
                    oracle.upload(xs, p))));
        } finally {
            device.release(mark);
        }
    }
}
