package org.vil4j.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.LinearGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * Weight gradients against the java oracle, with and without the bias riding along: of few output rows (chunked
 * partial sums, not a GEMM: at most DeviceGradients.FEW_OUTPUT_ROWS, or at most 16 whose outputs fit one 64 x 64
 * tile), linear and head-wise, one chunk and many; the first sizes past the bounds, which stay GEMMs; and split-K
 * GEMMs, whose partial products the few-rows column reduction adds up.
 */
class WeightGradientTest extends DeviceWithOracle {
    @ParameterizedTest
    @CsvSource({
            // rows, in, out: ViL's gates (4 rows of q|k|v); one chunk (few rows); 16 rows within a tile; 16 rows past
            // it and 17 rows (GEMMs); 5 rows within a tile
            "3000, 1152, 4", "20, 7, 3", "700, 33, 16", "700, 300, 16", "700, 33, 17", "1, 5, 2", "500, 100, 5",
            // split-K GEMMs (every case past the bounds is checked below to split)
            "4096, 96, 200", "2050, 8, 300"})
    void linearGradientsMatchTheOracle(int rows, int in, int out) {
        if (out > 16) {
            // many rows over few tiles: split-K, whose partials are few rows (summed a work-item per column)
            assertThat(DeviceGradients.splitCount(rows, ((out + 63) / 64) * ((in + 63) / 64)))
                    .isBetween(2, BackwardKernels.FEW_ROWS);
        }
        float[] x = random(rows * 7L + in, rows * in, 1), dy = random(rows * 3L + out, rows * out, 1);
        long mark = device.mark(), oracleMark = oracle.mark();
        try {
            LinearGradients got = device.linearParameterGradients(device.upload(Shape.of(rows, in), x),
                    device.upload(Shape.of(rows, out), dy));
            LinearGradients want = oracle.linearParameterGradients(oracle.upload(Shape.of(rows, in), x),
                    oracle.upload(Shape.of(rows, out), dy));
            assertNear(device.download(got.weight()), oracle.download(want.weight()));
            assertNear(device.download(got.bias()), oracle.download(want.bias()));
            Tensor alone = device.linearWeightGradient(device.upload(Shape.of(rows, in), x),
                    device.upload(Shape.of(rows, out), dy));
            assertNear(device.download(alone), oracle.download(want.weight()));
        } finally {
            device.release(mark);
            oracle.release(oracleMark);
        }
    }

    @ParameterizedTest
    @CsvSource({
            // rows, heads, block: ViL-T's q/k/v blocks (96 heads of 4 x 4); few rows; a block of 16 and of 17
            "2000, 96, 4", "9, 5, 2", "300, 3, 16", "300, 2, 17"})
    void headwiseGradientsMatchTheOracle(int rows, int heads, int d) {
        int features = heads * d;
        float[] x = random(rows * 5L + d, rows * features, 1), dy = random(rows * 11L + d, rows * features, 1);
        long mark = device.mark(), oracleMark = oracle.mark();
        try {
            LinearGradients got = device.headwiseParameterGradients(device.upload(Shape.of(rows, features), x),
                    device.upload(Shape.of(rows, features), dy), heads);
            LinearGradients want = oracle.headwiseParameterGradients(oracle.upload(Shape.of(rows, features), x),
                    oracle.upload(Shape.of(rows, features), dy), heads);
            assertThat(got.weight().shape()).isEqualTo(Shape.of(heads, d, d));
            assertNear(device.download(got.weight()), oracle.download(want.weight()));
            assertNear(device.download(got.bias()), oracle.download(want.bias()));
        } finally {
            device.release(mark);
            oracle.release(oracleMark);
        }
    }
}
