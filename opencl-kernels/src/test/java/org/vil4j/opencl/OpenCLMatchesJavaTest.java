package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;
import org.vil4j.backend.java.JavaBackend;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every kernel against the Java oracle on random shapes (odd sizes that do not fill GEMM tiles included). */
class OpenCLMatchesJavaTest {
    static Ops device;
    static Ops oracle;

    @BeforeAll
    static void open() {
        device = new OpenCLBackend().open(null);
        assertThat(device.deviceName()).contains("OpenCL");
        oracle = new JavaBackend().open(null);
    }

    @AfterAll
    static void close() {
        device.close();
        oracle.close();
    }

    /** Runs the same computation on both backends from the same random inputs and compares. */
    private static void same(double tolerance, Function<Ops, Tensor> computation) {
        long dm = device.mark(), om = oracle.mark();
        try {
            float[] d = device.download(computation.apply(device));
            float[] o = oracle.download(computation.apply(oracle));
            assertThat(d).hasSameSizeAs(o);
            double err = 0, max = 0;
            for (int i = 0; i < d.length; i++) {
                err = Math.max(err, Math.abs(d[i] - o[i]));
                max = Math.max(max, Math.abs(o[i]));
            }
            assertThat(err / Math.max(max, 1e-30)).as("max error %s of max %s", err, max).isLessThanOrEqualTo(tolerance);
            assertThat(Double.isFinite(max)).isTrue();
        } finally {
            device.release(dm);
            oracle.release(om);
        }
    }

    /** Uniform in [-scale, scale), the same for a seed (other tests of this package draw their inputs here too). */
    static float[] random(long seed, int n, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    private static Tensor in(Ops ops, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return ops.upload(s, random(seed, s.size(), 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64, 65, 130})
    void linearWithBias(int rows) {
        same(1e-5, ops -> ops.linear(in(ops, 1, 2, rows, 45), in(ops, 2, 33, 45), in(ops, 3, 33)));
        same(1e-5, ops -> ops.linear(in(ops, 4, rows, 200), in(ops, 5, 70, 200), null));
    }

    @Test
    void batchedMatmulAndSharedRightOperand() {
        same(1e-5, ops -> ops.matmul(in(ops, 1, 3, 17, 29), in(ops, 2, 3, 29, 70)));
        same(1e-5, ops -> ops.matmul(in(ops, 3, 49, 16), in(ops, 4, 16, 32)));
    }

    /**
     * Tiles whose rows or columns the product ends in: a last row tile of 4 rows (one group of 16 computed), a last
     * column tile of 32 columns (two groups), 36 rows (three groups: the whole tile), and both cut at once.
     */
    @Test
    void productsWhoseLastTilesAreCut() {
        same(1e-5, ops -> ops.matmul(in(ops, 5, 2, 196, 96), in(ops, 6, 2, 96, 196)));
        same(1e-5, ops -> ops.matmul(in(ops, 7, 2, 196, 196), in(ops, 8, 2, 196, 96)));
        same(1e-5, ops -> ops.matmul(in(ops, 9, 100, 30), in(ops, 10, 30, 20)));
        same(1e-5, ops -> ops.matmul(in(ops, 11, 3, 70, 33), in(ops, 12, 3, 33, 90)));
    }

    @Test
    void headwiseLinearNormsAndElementwise() {
        same(1e-5, ops -> ops.headwiseLinear(in(ops, 1, 2, 9, 64), in(ops, 2, 16, 4, 4), in(ops, 3, 64)));
        same(1e-5, ops -> ops.layerNorm(in(ops, 1, 3, 5, 48), 48, in(ops, 2, 48), true, in(ops, 3, 48), 1e-5f));
        same(1e-5, ops -> ops.layerNorm(in(ops, 1, 3, 5, 64), 16, in(ops, 2, 64), false, null, 1e-6f));
        same(1e-6, ops -> ops.add(in(ops, 1, 3, 5, 8), in(ops, 2, 5, 8)));
        same(1e-6, ops -> ops.mul(in(ops, 1, 3, 5, 8), in(ops, 2, 3, 5, 8)));
        same(1e-6, ops -> ops.scale(in(ops, 1, 3, 5, 8), -0.5f));
        same(1e-6, ops -> ops.silu(in(ops, 1, 3, 5, 8)));
        same(1e-6, ops -> ops.skipGate(in(ops, 1, 2, 5, 8), in(ops, 2, 8), in(ops, 3, 2, 5, 8), in(ops, 4, 2, 5, 8)));
        same(1e-6, ops -> ops.transpose(in(ops, 1, 2, 5, 7)));
    }

    @Test
    void tokenMovementAndConvolutions() {
        int[] order = {4, 2, 0, 1, 3, 5};
        same(0, ops -> ops.gatherTokens(in(ops, 1, 2, 6, 5), ops.indexTable(6, 1, order)));
        same(1e-6, ops -> ops.addGatheredTokens(in(ops, 1, 2, 6, 5), in(ops, 2, 2, 6, 5), ops.indexTable(6, 1, order)));
        same(0, ops -> ops.columns(in(ops, 1, 2, 3, 10), 3, 4));
        same(0, ops -> ops.concatColumns(in(ops, 1, 2, 3, 10), in(ops, 2, 2, 3, 6)));
        same(1e-6, ops -> ops.depthwiseConv(in(ops, 1, 2, 15, 8), ops.indexTable(15, 9,
                ConvolutionFrames.rowMajorFrame(3, 5, 3)), in(ops, 2, 8, 9), in(ops, 3, 8)));
        same(1e-6, ops -> ops.depthwiseConv(in(ops, 1, 2, 15, 8), ops.indexTable(15, 4,
                ConvolutionFrames.causal1d(15, 4)), in(ops, 2, 8, 4), null));
        same(0, ops -> ops.patchify(in(ops, 1, 2, 3, 16, 12), 4, 4, 2, 2));
    }

    /**
     * The golden files' two regimes: plain gates (forget bias +3) and extreme ones (input gate x25, forget gate -8).
     * Open forget gates with huge input gates make the normaliser a sum of large terms of both signs; there float32
     * rounding alone (in PyTorch too) reaches ~1e-4 of the output, so that regime is not a kernel test.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 37, 64, 97, 197, 256, 300})
    void mlstmCellPlainAndExtremeGates(int length) {
        mlstm(length, 1f, 3f);
        mlstm(length, 25f, -8f);
    }

    private static void mlstm(int length, float igateScale, float fgateShift) {
        same(2e-5, ops -> {
            Tensor ig = ops.scale(in(ops, 4, 2, length, 4), igateScale);
            Tensor fg = ops.add(in(ops, 5, 2, length, 4), ops.upload(Shape.of(4), new float[]{fgateShift,
                    fgateShift, fgateShift, fgateShift}));
            return ops.mlstm(in(ops, 1, 2, length, 32), in(ops, 2, 2, length, 32), in(ops, 3, 2, length, 32), ig, fg,
                    4, 1e-6f);
        });
    }

    /** Each fused op on OpenCL (one pass) against the Java backend's default, the composition it stands for. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 130})
    void fusedOpsMatchTheOpsTheyFuse(int rows) {
        // the patch embedding with its position rows repeated over the batch, with and without a bias
        same(1e-5, ops -> ops.linearAddRows(in(ops, 1, 3, rows, 45), in(ops, 2, 33, 45), in(ops, 3, 33),
                in(ops, 4, rows, 33)));
        same(1e-5, ops -> ops.linearAddRows(in(ops, 1, 2, rows, 20), in(ops, 2, 70, 20), null, in(ops, 4, rows, 70)));
        same(1e-5, ops -> ops.headwiseLinearConcat(
                List.of(in(ops, 1, 2, rows, 24), in(ops, 2, 2, rows, 24), ops.columns(in(ops, 3, 2, rows, 48), 24, 24)),
                List.of(in(ops, 4, 6, 4, 4), in(ops, 5, 6, 4, 4), in(ops, 6, 6, 4, 4)),
                Arrays.asList(in(ops, 7, 24), null, in(ops, 8, 24))));
        same(1e-5, ops -> ops.headwiseLinearConcat(List.of(in(ops, 1, rows, 16)), List.of(in(ops, 2, 4, 4, 4)),
                Arrays.asList((Tensor) null)));
        same(1e-5, ops -> ops.linearConcat(in(ops, 1, 2, rows, 72), List.of(in(ops, 2, 4, 72), in(ops, 3, 4, 72)),
                List.of(in(ops, 4, 4), in(ops, 5, 4))));
        same(1e-5, ops -> ops.linearConcat(in(ops, 1, rows, 40), List.of(in(ops, 2, 3, 40), in(ops, 3, 5, 40)),
                Arrays.asList(null, in(ops, 5, 5))));
        same(1e-5, ops -> ops.linearConcat(in(ops, 1, rows, 40), List.of(in(ops, 2, 30, 40), in(ops, 3, 5, 40)),
                Arrays.asList(null, in(ops, 5, 5))));
        // outputs in fours over the row: 2 + 5 = 7 leaves a partial four, the second weight starting inside one
        same(1e-5, ops -> ops.linearConcat(in(ops, 1, rows, 33), List.of(in(ops, 2, 2, 33), in(ops, 3, 5, 33)),
                Arrays.asList(in(ops, 4, 2), in(ops, 5, 5))));
        same(1e-5, ops -> ops.linear(in(ops, 1, rows, 70), in(ops, 2, 1, 70), in(ops, 3, 1)));
        same(1e-6, ops -> ops.depthwiseConvSilu(in(ops, 1, 2, 15, 8), ops.indexTable(15, 9,
                ConvolutionFrames.rowMajorFrame(3, 5, 3)), in(ops, 2, 8, 9), in(ops, 3, 8)));
        same(1e-5, ops -> ops.linearAdd(in(ops, 1, 2, rows, 45), in(ops, 2, 33, 45), in(ops, 3, 33),
                in(ops, 4, 2, rows, 33)));
        same(1e-5, ops -> ops.linearAdd(ops.columns(in(ops, 1, rows, 90), 45, 45), in(ops, 2, 70, 45), null,
                in(ops, 4, rows, 70)));
        same(1e-5, ops -> ops.linearAdd(in(ops, 1, 2, rows, 45), in(ops, 2, 33, 45), in(ops, 3, 33),
                in(ops, 4, 2, rows, 33), null, null, true));
        // q|k|v and the gates over them in one pass: 4 + 4 gates, and 3 + 5 (a four split between the weights)
        same(1e-5, ops -> ops.headwiseLinearConcatGates(
                List.of(in(ops, 1, 2, rows, 24), in(ops, 2, 2, rows, 24), ops.columns(in(ops, 3, 2, rows, 48), 24, 24)),
                List.of(in(ops, 4, 6, 4, 4), in(ops, 5, 6, 4, 4), in(ops, 6, 6, 4, 4)),
                Arrays.asList(in(ops, 7, 24), null, in(ops, 8, 24)),
                List.of(in(ops, 9, 4, 72), in(ops, 10, 4, 72)), List.of(in(ops, 11, 4), in(ops, 12, 4))));
        same(1e-5, ops -> ops.headwiseLinearConcatGates(
                List.of(in(ops, 1, rows, 15), in(ops, 2, rows, 15), in(ops, 3, rows, 15)),
                List.of(in(ops, 4, 5, 3, 3), in(ops, 5, 5, 3, 3), in(ops, 6, 5, 3, 3)),
                Arrays.asList(null, null, null),
                List.of(in(ops, 9, 3, 45), in(ops, 10, 5, 45)), Arrays.asList(null, in(ops, 12, 5))));
        // 2 + 3 gates (fewer than eight), and 6 + 5 (more: the unfused way)
        same(1e-5, ops -> ops.headwiseLinearConcatGates(
                List.of(in(ops, 1, rows, 15), in(ops, 2, rows, 15), in(ops, 3, rows, 15)),
                List.of(in(ops, 4, 5, 3, 3), in(ops, 5, 5, 3, 3), in(ops, 6, 5, 3, 3)),
                Arrays.asList(in(ops, 7, 15), in(ops, 8, 15), null),
                List.of(in(ops, 9, 2, 45), in(ops, 10, 3, 45)), List.of(in(ops, 11, 2), in(ops, 12, 3))));
        same(1e-5, ops -> ops.headwiseLinearConcatGates(
                List.of(in(ops, 1, rows, 15), in(ops, 2, rows, 15), in(ops, 3, rows, 15)),
                List.of(in(ops, 4, 5, 3, 3), in(ops, 5, 5, 3, 3), in(ops, 6, 5, 3, 3)),
                Arrays.asList(in(ops, 7, 15), in(ops, 8, 15), null),
                List.of(in(ops, 9, 6, 45), in(ops, 10, 5, 45)), List.of(in(ops, 11, 6), in(ops, 12, 5))));
        // the output norm per head and the skip gate, z a column view of the up-projection as in the model
        same(1e-5, ops -> ops.normSkipGate(in(ops, 1, 2, rows, 24), 6, in(ops, 2, 24), true, null, 1e-6f,
                in(ops, 3, 24), in(ops, 4, 2, rows, 24), ops.columns(in(ops, 5, 2, rows, 48), 24, 24)));
        same(1e-5, ops -> ops.normSkipGate(in(ops, 1, rows, 20), 20, in(ops, 2, 20), false, in(ops, 6, 20), 1e-5f,
                in(ops, 3, 20), in(ops, 4, rows, 20), in(ops, 5, rows, 20)));
        // a as the model hands it over: the first columns of the fused [a | q | k | v | gates] tensor
        same(1e-5, ops -> ops.normSkipGate(in(ops, 1, 2, rows, 24), 6, in(ops, 2, 24), true, in(ops, 6, 24), 1e-6f,
                in(ops, 3, 24), ops.columns(in(ops, 4, 2, rows, 104), 0, 24),
                ops.columns(in(ops, 5, 2, rows, 48), 24, 24)));
    }

    /** A traversal's order fused into the block's first norm and last projection (dropped tokens included). */
    @Test
    void gatheredNormsAndScatteredResidualsMatchTheirCompositions() {
        int[][] orders = {{4, 2, 0, 1, 3, 5}, {4, -1, 0, 1, 3}};
        int[][] inverses = {{2, 3, 1, 4, 0, 5}, {2, 3, -1, 4, 0, -1}};
        for (int o = 0; o < orders.length; o++) {
            int[] order = orders[o], inverse = inverses[o];
            int t = order.length;
            same(1e-5, ops -> ops.layerNormGather(in(ops, 1, 2, 6, 48), ops.indexTable(t, 1, order), 16,
                    in(ops, 2, 48), true, in(ops, 3, 48), 1e-5f));
            for (boolean into : new boolean[]{true, false}) {
                same(1e-5, ops -> ops.linearAdd(in(ops, 1, 2, t, 45), in(ops, 2, 33, 45), in(ops, 3, 33),
                        in(ops, 4, 2, 6, 33), ops.indexTable(t, 1, order), ops.indexTable(6, 1, inverse), into));
            }
        }
    }

    /**
     * The mLSTM reads q, k, v as column views of one [B, S, 3W] tensor and its gates as views of one [B, S, 2 NH]
     * tensor (the fused projections' outputs).
     */
    @ParameterizedTest
    @ValueSource(strings = {"parallel", "chunkwise", "recurrent"})
    void mlstmTakesColumnViews(String form) {
        same(2e-5, ops -> {
            Tensor qkv = in(ops, 1, 2, 70, 96);
            Tensor gates = ops.upload(Shape.of(2, 70, 8), random(9, 2 * 70 * 8, 3));
            return ops.mlstm(ops.columns(qkv, 0, 32), ops.columns(qkv, 32, 32), ops.columns(qkv, 64, 32),
                    ops.columns(gates, 0, 4), ops.columns(gates, 4, 4), 4, 1e-6f,
                    org.vil4j.api.MlstmForm.parse(form), 16);
        });
    }

    @Test
    void badIndexTablesAndShapesAreTypedErrors() {
        long mark = device.mark();
        try {
            assertThatThrownBy(() -> device.linearAddRows(in(device, 1, 2, 6, 5), in(device, 2, 33, 5), null,
                    in(device, 3, 5, 33))).isInstanceOf(ShapeMismatchException.class)
                    .hasMessage("linearAddRows: x [2,6,5], w [33,5] and rows [5,33] do not fit (rows must be [6, 33])");
            Tensor x = in(device, 1, 2, 6, 5);
            IndexTable outOfRange = device.indexTable(2, 1, new int[]{0, 6});
            assertThatThrownBy(() -> device.gatherTokens(x, outOfRange)).isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("outside");
            assertThatThrownBy(() -> device.linear(x, in(device, 2, 3, 4), null))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("[2,6,5]");
            // gate weights that do not span q|k|v (3 x 8 columns), and a gate bias of the wrong length
            List<Tensor> xs = List.of(in(device, 1, 2, 6, 8), in(device, 2, 2, 6, 8), in(device, 3, 2, 6, 8));
            List<Tensor> ws = List.of(in(device, 4, 2, 4, 4), in(device, 5, 2, 4, 4), in(device, 6, 2, 4, 4));
            List<Tensor> none = Arrays.asList(null, null, null);
            assertThatThrownBy(() -> device.headwiseLinearConcatGates(xs, ws, none,
                    List.of(in(device, 7, 4, 23), in(device, 8, 4, 24)), Arrays.asList(null, null)))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessage("headwiseLinearConcatGates: q|k|v of 24 columns and weights [4,23], [4,24] disagree "
                            + "on K");
            assertThatThrownBy(() -> device.headwiseLinearConcatGates(xs, ws, none,
                    List.of(in(device, 7, 4, 24), in(device, 8, 4, 24)), Arrays.asList(in(device, 9, 3), null)))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("biases [3], none");
            assertThatThrownBy(() -> device.normSkipGate(in(device, 1, 6, 8), 4, null, false, null, 1e-5f,
                    in(device, 2, 7), in(device, 3, 6, 8), in(device, 4, 6, 8)))
                    .isInstanceOf(ShapeMismatchException.class).hasMessage("normSkipGate: skip [7] does not match [6,8]");
        } finally {
            device.release(mark);
        }
    }

    @Test
    void unknownDeviceNamesTheDevicesThatExist() {
        assertThatThrownBy(() -> new OpenCLBackend().open("opencl:9:9"))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("opencl:9:9").hasMessageContaining("opencl:0:0");
    }

    @Test
    void releasedTensorsCannotBeUsed() {
        long mark = device.mark();
        Tensor x = in(device, 1, 4, 4);
        device.release(mark);
        assertThatThrownBy(() -> device.download(x)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("released");
    }
}
