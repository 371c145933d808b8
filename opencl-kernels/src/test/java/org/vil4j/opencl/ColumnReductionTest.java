package org.vil4j.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * The column reductions on both sides of BackwardKernels.FEW_ROWS (a work-item per column, or a work-group's tree per
 * column), in each of their modes, against the java oracle (split-K weight gradients, whose partials the few-rows
 * path adds up: WeightGradientTest).
 */
class ColumnReductionTest extends DeviceWithOracle {
    @ParameterizedTest
    @CsvSource({
            // rows, columns: one row; the few-rows bound and one past it; few rows over more columns than a
            // work-group has lanes (and a ragged last block); many rows over few columns
            "1, 7", "64, 5", "65, 5", "9, 1000", "64, 513", "3000, 3"})
    void columnSumsSquaresAndAffineSumsMatchTheOracle(int rows, int cols) {
        float[] x = random(rows * 31L + cols, rows * cols, 1), y = random(rows * 17L + cols, rows * cols, 1);
        long mark = device.mark(), oracleMark = oracle.mark();
        try {
            Shape shape = Shape.of(rows, cols);
            Tensor xd = device.upload(shape, x), yd = device.upload(shape, y);
            Tensor xo = oracle.upload(shape, x), yo = oracle.upload(shape, y);
            assertNear(device.download(device.columnSums(xd)), oracle.download(oracle.columnSums(xo)));
            assertNear(device.download(device.sumOfSquares(xd)), oracle.download(oracle.sumOfSquares(xo)));
            AffineGradients got = device.affineGradients(xd, yd), want = oracle.affineGradients(xo, yo);
            assertNear(device.download(got.weight()), oracle.download(want.weight()));
            assertNear(device.download(got.bias()), oracle.download(want.bias()));
        } finally {
            device.release(mark);
            oracle.release(oracleMark);
        }
    }
}
