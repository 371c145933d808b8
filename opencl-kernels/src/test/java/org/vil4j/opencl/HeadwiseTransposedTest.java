package org.vil4j.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * headwiseLinearTransposed on the device: w read transposed in the projection's own launch, bit for bit the
 * projection by a transposed w (two launches), and the java oracle's numbers.
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
}
