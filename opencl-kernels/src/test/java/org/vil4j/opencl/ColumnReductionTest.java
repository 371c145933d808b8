package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.AffineGradients;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * The column reductions on both sides of BackwardKernels.FEW_ROWS (a work-item per column, or a work-group's tree per
 * block of columns), in each of their modes, against the java oracle (split-K weight gradients, whose partials the few-rows
 * path adds up: WeightGradientTest).
 */
class ColumnReductionTest extends DeviceWithOracle {
    @ParameterizedTest
    @CsvSource({
            // rows, columns: one row; the few-rows bound and one past it; few rows over more columns than a
            // work-group has lanes (and a ragged last block); many rows over few columns; many rows in blocks of 8
            // columns (one block, blocks and a ragged one, one and two columns: narrower blocks)
            "1, 7", "64, 5", "65, 5", "9, 1000", "64, 513", "3000, 3", "1000, 8", "700, 21", "5000, 1", "300, 2"})
    void columnSumsSquaresAndAffineSumsMatchTheOracle(int rows, int cols) {
        // each width of a many-row unit: a group a column (1, before round 15), 4, the default 8, 32
        DeviceProgram program = ((OpenCLOps) device).program;
        int saved = program.columnBlock;
        try {
            for (int block : new int[] {1, 4, 8, 32}) {
                program.columnBlock = block;
                matchTheOracle(rows, cols);
            }
        } finally {
            program.columnBlock = saved;
        }
    }

    @Test
    void aColumnBlockThatIsNoPowerOfTwoIsAOneLineError() {
        System.setProperty(OpenCLOps.COLUMN_BLOCK_PROPERTY, "12");
        try {
            assertThatThrownBy(() -> new OpenCLBackend().open(null)).isInstanceOf(BackendUnavailableException.class)
                    .hasMessage("OpenCL backend: -Dvil4j.opencl.columnBlock=12 is not a power of two from 1 to 256");
        } finally {
            System.clearProperty(OpenCLOps.COLUMN_BLOCK_PROPERTY);
        }
    }

    private void matchTheOracle(int rows, int cols) {
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
