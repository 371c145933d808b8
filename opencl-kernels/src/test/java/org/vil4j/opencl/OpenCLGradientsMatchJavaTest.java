package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.AdamWStep;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.IndexTables;
import org.vil4j.api.MlstmGradients;
import org.vil4j.api.Ops;
import org.vil4j.api.SgdStep;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.SkipGateGradients;
import org.vil4j.api.Tensor;
import org.vil4j.api.TransferStats;
import org.vil4j.backend.java.JavaBackend;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every backward op and optimiser update against the Java oracle on random small shapes (odd sizes, B > 1, several
 * heads, tables with -1 entries, overlapping patches), and the device-residency of the backward pass.
 */
class OpenCLGradientsMatchJavaTest {
    static Ops device;
    static Ops oracle;
    /** Largest relative error seen per check, printed at the end (for the design notes). */
    static final java.util.Map<String, Double> WORST = new java.util.TreeMap<>();

    @BeforeAll
    static void open() {
        device = new OpenCLBackend().open(null);
        assertThat(device.backendName()).isEqualTo("opencl");
        assertThat(device.deviceName()).contains("OpenCL");
        oracle = new JavaBackend().open(null);
    }

    @AfterAll
    static void close() {
        WORST.forEach((k, v) -> System.out.printf("max relative error %-28s %.3e%n", k, v));
        device.close();
        oracle.close();
    }

    /** Runs the same computation on both backends from the same inputs and compares every returned tensor. */
    private static void same(String name, double tolerance, Function<Ops, Tensor[]> computation) {
        long dm = device.mark(), om = oracle.mark();
        try {
            Tensor[] d = computation.apply(device);
            Tensor[] o = computation.apply(oracle);
            assertThat(d).hasSameSizeAs(o);
            for (int i = 0; i < d.length; i++) {
                assertThat(d[i].shape()).isEqualTo(o[i].shape());
                compare(name + "[" + i + "]", tolerance, device.download(d[i]), oracle.download(o[i]));
            }
        } finally {
            device.release(dm);
            oracle.release(om);
        }
    }

    private static void same1(String name, double tolerance, Function<Ops, Tensor> computation) {
        same(name, tolerance, ops -> new Tensor[]{computation.apply(ops)});
    }

    private static void compare(String name, double tolerance, float[] d, float[] o) {
        assertThat(d).as(name).hasSameSizeAs(o);
        double err = 0, max = 0;
        for (int i = 0; i < d.length; i++) {
            assertThat(Float.isFinite(d[i])).as("%s element %s is %s", name, i, d[i]).isTrue();
            err = Math.max(err, Math.abs(d[i] - o[i]));
            max = Math.max(max, Math.abs(o[i]));
        }
        double relative = err / Math.max(max, 1e-30);
        WORST.merge(name.startsWith("mlstm") ? name : name.replaceAll("\\[.*", ""), relative, Math::max);
        assertThat(relative).as("%s: max error %s of max %s", name, err, max).isLessThanOrEqualTo(tolerance);
    }

    private static float[] random(long seed, int n, double low, double high) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (low + r.nextDouble() * (high - low));
        }
        return v;
    }

    private static Tensor in(Ops ops, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return ops.upload(s, random(seed, s.size(), -1, 1));
    }

    private static Tensor uniform(Ops ops, long seed, double low, double high, int... dims) {
        Shape s = Shape.of(dims);
        return ops.upload(s, random(seed, s.size(), low, high));
    }

    @Test
    void columnSumsAndSumOfSquares() {
        same1("columnSums", 1e-5, ops -> ops.columnSums(in(ops, 1, 3, 7, 5)));
        same1("columnSums", 1e-5, ops -> ops.columnSums(in(ops, 2, 33)));
        same1("columnSums", 1e-5, ops -> ops.columnSums(in(ops, 3, 2, 1500, 3))); // several reduction stages
        same1("columnSums", 1e-5, ops -> ops.columnSums(in(ops, 4, 130, 200)));
        same1("sumOfSquares", 1e-5, ops -> ops.sumOfSquares(in(ops, 5, 3, 7, 5)));
        same1("sumOfSquares", 1e-5, ops -> ops.sumOfSquares(in(ops, 6, 100_003)));
        same1("sumOfSquares", 1e-5, ops -> ops.sumOfSquares(in(ops, 7, 1)));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 65, 331})
    void linearWeightGradient(int rows) {
        // 2 * 331 rows split the reduction (split-K) with a remainder
        same1("linearWeightGradient", 1e-5, ops -> ops.linearWeightGradient(in(ops, 1, 2, rows, 45),
                in(ops, 2, 2, rows, 33)));
        same1("linearWeightGradient", 1e-5, ops -> ops.linearWeightGradient(in(ops, 3, rows, 70),
                in(ops, 4, rows, 130)));
    }

    @Test
    void headwiseWeightGradient() {
        same1("headwiseWeightGradient", 1e-5, ops -> ops.headwiseWeightGradient(in(ops, 1, 2, 9, 64),
                in(ops, 2, 2, 9, 64), 4));
        same1("headwiseWeightGradient", 1e-5, ops -> ops.headwiseWeightGradient(in(ops, 3, 3, 221, 36),
                in(ops, 4, 3, 221, 36), 3));
        same1("headwiseWeightGradient", 1e-5, ops -> ops.headwiseWeightGradient(in(ops, 5, 5, 80),
                in(ops, 6, 5, 80), 1));
    }

    @Test
    void layerNormBackward() {
        same1("layerNormBackward", 1e-5, ops -> ops.layerNormBackward(in(ops, 1, 3, 5, 48), in(ops, 2, 3, 5, 48),
                48, in(ops, 3, 48), true, 1e-5f));
        same1("layerNormBackward", 1e-5, ops -> ops.layerNormBackward(in(ops, 4, 3, 5, 64), in(ops, 5, 3, 5, 64),
                16, in(ops, 6, 64), false, 1e-6f));
        same1("layerNormBackward", 1e-5, ops -> ops.layerNormBackward(uniform(ops, 7, 2, 5, 7, 37),
                in(ops, 8, 7, 37), 37, null, false, 1e-5f));
    }

    @Test
    void elementwiseGradients() {
        same1("siluBackward", 1e-6, ops -> ops.siluBackward(uniform(ops, 1, -8, 8, 3, 5, 9), in(ops, 2, 3, 5, 9)));
        same("skipGateBackward", 1e-6, ops -> {
            SkipGateGradients g = ops.skipGateBackward(in(ops, 1, 2, 5, 8), in(ops, 2, 8), in(ops, 3, 2, 5, 8),
                    uniform(ops, 4, -6, 6, 2, 5, 8), in(ops, 5, 2, 5, 8));
            return new Tensor[]{g.dh(), g.da(), g.dz()};
        });
        // a and z column views (the up-projection's halves), read through their row strides
        same("skipGateBackward of views", 1e-6, ops -> {
            SkipGateGradients g = ops.skipGateBackward(in(ops, 1, 2, 5, 8), in(ops, 2, 8),
                    ops.columns(in(ops, 3, 2, 5, 13), 2, 8), ops.columns(uniform(ops, 4, -6, 6, 2, 5, 16), 8, 8),
                    in(ops, 5, 2, 5, 8));
            return new Tensor[]{g.dh(), g.da(), g.dz()};
        });
        same1("scaleSamples", 0, ops -> ops.scaleSamples(in(ops, 1, 3, 5, 7), in(ops, 2, 3)));
        same1("scaleSamples", 0, ops -> ops.scaleSamples(in(ops, 1, 4, 11), in(ops, 2, 4, 1)));
        same1("placeColumns", 0, ops -> ops.placeColumns(in(ops, 1, 2, 3, 4), 5, 13));
        same1("placeColumns", 0, ops -> ops.placeColumns(in(ops, 1, 3, 6), 0, 6));
        same1("addIntoColumns", 1e-7, ops -> {
            Tensor target = in(ops, 2, 2, 3, 13);
            ops.addIntoColumns(target, in(ops, 1, 2, 3, 4), 5);
            return target;
        });
        same1("addIntoColumns", 1e-7, ops -> {
            Tensor target = in(ops, 3, 3, 6);
            ops.addIntoColumns(target, in(ops, 4, 3, 6), 0);
            return target;
        });
    }

    @Test
    void gatherSumThroughPlainAndInverseTables() {
        // not a permutation: repeats, -1 entries, and more output tokens than table rows
        int[] table = {4, -1, 0, 0, 2, 4, -1, -1, 1, 4};
        same1("gatherSum", 1e-6, ops -> ops.gatherSum(in(ops, 1, 2, 6, 5), ops.indexTable(5, 2, table), 7));
        int[] gather = {3, 0, 3, 5, 1, 1, 1, 2};
        IndexTables.Table inverse = IndexTables.inverse(gather, 8, 1, 6);
        same1("gatherSum", 1e-6, ops -> ops.gatherSum(in(ops, 2, 3, 8, 5),
                ops.indexTable(inverse.rows(), inverse.cols(), inverse.data()), 6));
        same1("gatherSum", 1e-6, ops -> ops.gatherSum(in(ops, 3, 8, 5),
                ops.indexTable(inverse.rows(), inverse.cols(), inverse.data()), 6));
    }

    @Test
    void depthwiseConvolutionGradients() {
        int[] frame = ConvolutionFrames.rowMajorFrame(3, 5, 3);
        IndexTables.Table inverse = IndexTables.inverse(frame, 15, 9, 15);
        same1("depthwiseConvBackwardInput", 1e-6, ops -> ops.depthwiseConvBackwardInput(in(ops, 1, 2, 15, 8),
                ops.indexTable(inverse.rows(), inverse.cols(), inverse.data()), in(ops, 2, 8, 9)));
        int[] causal = ConvolutionFrames.causal1d(15, 4);
        IndexTables.Table inverseCausal = IndexTables.inverse(causal, 15, 4, 15);
        same1("depthwiseConvBackwardInput", 1e-6, ops -> ops.depthwiseConvBackwardInput(in(ops, 3, 3, 15, 5),
                ops.indexTable(inverseCausal.rows(), inverseCausal.cols(), inverseCausal.data()),
                in(ops, 4, 5, 4)));
        // with the input's gradient so far added in the same pass (the java backend composes it)
        same1("depthwiseConvBackwardInput plus", 1e-6, ops -> ops.depthwiseConvBackwardInput(in(ops, 1, 2, 15, 8),
                ops.indexTable(inverse.rows(), inverse.cols(), inverse.data()), in(ops, 2, 8, 9),
                in(ops, 11, 2, 15, 8)));
        same1("depthwiseConvWeightGradient", 1e-5, ops -> ops.depthwiseConvWeightGradient(in(ops, 5, 2, 15, 8),
                in(ops, 6, 2, 15, 8), ops.indexTable(15, 9, frame)));
        // 40 * 15 items: partial sums per chunk, then a reduction that stores [C, K]
        same1("depthwiseConvWeightGradient", 1e-5, ops -> ops.depthwiseConvWeightGradient(in(ops, 7, 40, 15, 7),
                in(ops, 8, 40, 15, 7), ops.indexTable(15, 4, causal)));
        // x a column view (the mLSTM's half of the up-projection), read through its row stride
        same1("depthwiseConvWeightGradient of a view", 1e-5, ops -> ops.depthwiseConvWeightGradient(
                ops.columns(in(ops, 9, 40, 15, 12), 5, 7), in(ops, 10, 40, 15, 7), ops.indexTable(15, 4, causal)));
    }

    @Test
    void columnViewInputsAreReadInPlace() {
        // as many launches for a view as for a dense tensor: no copy first
        long mark = device.mark();
        try {
            Tensor wide = in(device, 1, 2, 15, 16), dense = in(device, 2, 2, 15, 8), dy = in(device, 3, 2, 15, 8);
            Tensor view = device.columns(wide, 8, 8), skip = in(device, 4, 8);
            int[] causal = ConvolutionFrames.causal1d(15, 4);
            var table = device.indexTable(15, 4, causal);
            long before = device.kernelLaunches();
            device.skipGateBackward(dense, skip, view, view, dy);
            long viewLaunches = device.kernelLaunches() - before;
            before = device.kernelLaunches();
            device.skipGateBackward(dense, skip, dense, dense, dy);
            assertThat(viewLaunches).as("skipGateBackward").isEqualTo(device.kernelLaunches() - before);
            before = device.kernelLaunches();
            device.depthwiseConvWeightGradient(view, dy, table);
            viewLaunches = device.kernelLaunches() - before;
            before = device.kernelLaunches();
            device.depthwiseConvWeightGradient(dense, dy, table);
            assertThat(viewLaunches).as("depthwiseConvWeightGradient").isEqualTo(device.kernelLaunches() - before);
        } finally {
            device.release(mark);
        }
    }

    @Test
    void unpatchifyOverlappingDisjointAndGappedPatches() {
        same1("unpatchify", 1e-6, ops -> ops.unpatchify(ops.patchify(in(ops, 1, 2, 3, 16, 12), 4, 4, 2, 2),
                3, 16, 12, 4, 4, 2, 2));
        same1("unpatchify", 1e-6, ops -> ops.unpatchify(in(ops, 2, 2, 9, 3 * 5 * 3), 3, 11, 9, 5, 3, 3, 3));
        same1("unpatchify", 0, ops -> ops.unpatchify(in(ops, 3, 1, 12, 2 * 2 * 2), 2, 8, 11, 2, 2, 3, 3));
        same1("unpatchify", 0, ops -> ops.unpatchify(in(ops, 4, 2, 6, 2 * 4), 2, 4, 6, 2, 2, 2, 2));
    }

    /** Plain gates, then a large spread (igate in [-10, 10], fgate in [-5, 8]), odd head sizes, S past one tile. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 37, 70, 196, 300})
    void mlstmBackward(int length) {
        mlstmBackward(length, 2, 3, 12, -1, 1, 2, 4);
        mlstmBackward(length, 3, 2, 16, -10, 10, -5, 8);
    }

    @Test
    void mlstmBackwardInBatchChunks() {
        OpenCLOps ops = (OpenCLOps) device;
        long budget = ops.mlstmScratchFloats;
        ops.mlstmScratchFloats = 2L * 3 * 20 * 20; // two samples per chunk: 5 samples need three chunks
        try {
            mlstmBackward(20, 5, 3, 8, -10, 10, -5, 8);
        } finally {
            ops.mlstmScratchFloats = budget;
        }
    }

    private static void mlstmBackward(int length, int batch, int heads, int headDim, double iLow, double iHigh,
                                      double fLow, double fHigh) {
        int width = heads * headDim;
        String name = (iHigh > 5 ? "mlstmBackward(spread gates)" : "mlstmBackward");
        same(name, 1e-4, ops -> {
            MlstmGradients g = ops.mlstmBackward(in(ops, 1, batch, length, width), in(ops, 2, batch, length, width),
                    in(ops, 3, batch, length, width), uniform(ops, 4, iLow, iHigh, batch, length, heads),
                    uniform(ops, 5, fLow, fHigh, batch, length, heads), in(ops, 6, batch, length, width), heads,
                    1e-6f);
            return new Tensor[]{g.dq(), g.dk(), g.dv(), g.digate(), g.dfgate()};
        });
    }

    @Test
    void adamwSeveralSteps() {
        int n = 1000;
        Tensor[][] state = new Tensor[2][];
        Ops[] both = {device, oracle};
        for (int i = 0; i < 2; i++) {
            Ops ops = both[i];
            state[i] = new Tensor[]{ops.parameter(Shape.of(10, 100), random(1, n, -1, 1)),
                    ops.parameter(Shape.of(10, 100), new float[n]), ops.parameter(Shape.of(10, 100), new float[n])};
        }
        for (int step = 1; step <= 5; step++) {
            AdamWStep s = new AdamWStep(1e-2f, 0.9f, 0.999f, 1e-8f, 0.05f, step, step == 3 ? 0.5f : 1f);
            for (int i = 0; i < 2; i++) {
                Ops ops = both[i];
                long mark = ops.mark();
                ops.adamwUpdate(state[i][0], in(ops, 10 + step, 10, 100), state[i][1], state[i][2], s);
                ops.release(mark);
            }
        }
        for (int j = 0; j < 3; j++) {
            compare("adamwUpdate", 1e-6, device.download(state[0][j]), oracle.download(state[1][j]));
        }
    }

    @Test
    void adamwOnManyTensorsInOneLaunchMatchesOneByOne() {
        int[] sizes = {1, 7, 300, 33, 64};
        float[] rates = {1e-2f, 5e-3f, 1e-2f, 2e-3f, 1e-3f};
        float[] decays = {0.05f, 0f, 0.1f, 0f, 0.05f};
        int n = sizes.length;
        Tensor[][][] state = new Tensor[2][n][];
        Ops[] both = {device, oracle};
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < n; t++) {
                state[b][t] = new Tensor[]{both[b].parameter(Shape.of(sizes[t]), random(40 + t, sizes[t], -1, 1)),
                        both[b].parameter(Shape.of(sizes[t]), new float[sizes[t]]),
                        both[b].parameter(Shape.of(sizes[t]), new float[sizes[t]])};
            }
        }
        for (int step = 1; step <= 4; step++) {
            AdamWStep common = new AdamWStep(1e-2f, 0.9f, 0.999f, 1e-8f, 0f, step, step == 2 ? 0.5f : 1f);
            for (int b = 0; b < 2; b++) {
                Ops ops = both[b];
                long mark = ops.mark();
                java.util.List<Tensor> ps = new java.util.ArrayList<>(), gs = new java.util.ArrayList<>();
                java.util.List<Tensor> ms = new java.util.ArrayList<>(), vs = new java.util.ArrayList<>();
                for (int t = n - 1; t >= 0; t--) { // gradients made in another order than the parameters
                    gs.add(0, ops.upload(Shape.of(sizes[t]), random(50 + 10 * step + t, sizes[t], -2, 2)));
                }
                for (int t = 0; t < n; t++) {
                    ps.add(state[b][t][0]);
                    ms.add(state[b][t][1]);
                    vs.add(state[b][t][2]);
                }
                if (ops == device) {
                    ops.adamwUpdateAll(ps, gs, ms, vs, rates, decays, common);
                } else {
                    for (int t = 0; t < n; t++) {
                        ops.adamwUpdate(ps.get(t), gs.get(t), ms.get(t), vs.get(t), new AdamWStep(rates[t], 0.9f,
                                0.999f, 1e-8f, decays[t], step, common.gradScale()));
                    }
                }
                ops.release(mark);
            }
        }
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < 3; j++) {
                compare("adamwUpdateAll tensor " + t, 1e-6, device.download(state[0][t][j]),
                        oracle.download(state[1][t][j]));
            }
        }
    }

    @Test
    void sgdFirstAndLaterStepsPlainNesterovAndWithoutMomentum() {
        sgd(0.9f, false, 0f);
        sgd(0.9f, true, 1e-2f);
        sgd(0f, false, 1e-2f);
    }

    private static void sgd(float momentum, boolean nesterov, float decay) {
        int n = 257;
        Tensor[][] state = new Tensor[2][];
        Ops[] both = {device, oracle};
        for (int i = 0; i < 2; i++) {
            state[i] = new Tensor[]{both[i].parameter(Shape.of(n), random(2, n, -1, 1)),
                    both[i].parameter(Shape.of(n), random(3, n, -1, 1))};
        }
        for (int step = 0; step < 4; step++) {
            SgdStep s = new SgdStep(0.1f, momentum, decay, nesterov, step == 0, step == 2 ? 0.25f : 1f);
            for (int i = 0; i < 2; i++) {
                long mark = both[i].mark();
                both[i].sgdUpdate(state[i][0], in(both[i], 20 + step, n), state[i][1], s);
                both[i].release(mark);
            }
        }
        for (int j = 0; j < 2; j++) {
            compare("sgdUpdate", 1e-6, device.download(state[0][j]), oracle.download(state[1][j]));
        }
    }

    @Test
    void movingAverageInPlace() {
        Tensor[] target = new Tensor[2];
        Ops[] both = {device, oracle};
        for (int i = 0; i < 2; i++) {
            target[i] = both[i].parameter(Shape.of(3, 67), random(4, 201, -1, 1));
        }
        for (int step = 0; step < 3; step++) {
            for (int i = 0; i < 2; i++) {
                long mark = both[i].mark();
                both[i].movingAverage(target[i], in(both[i], 30 + step, 3, 67), 0.99f);
                both[i].release(mark);
            }
        }
        compare("movingAverage", 1e-6, device.download(target[0]), oracle.download(target[1]));
    }

    @Test
    void updatesRefuseWorkspaceTensorsAndShapesAreChecked() {
        long mark = device.mark();
        try {
            Tensor g = in(device, 1, 4, 4);
            assertThatThrownBy(() -> device.movingAverage(g, g, 0.5f)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("workspace tensor");
            assertThatThrownBy(() -> device.sgdUpdate(g, g, g, new SgdStep(0.1f, 0f, 0f, false, true, 1f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sgdUpdate");
            assertThatThrownBy(() -> device.siluBackward(g, in(device, 2, 4, 5)))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("siluBackward")
                    .hasMessageContaining("[4,4]");
            assertThatThrownBy(() -> device.headwiseWeightGradient(g, g, 3))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("3 heads");
            IndexTable far = device.indexTable(2, 1, new int[]{0, 9});
            assertThatThrownBy(() -> device.gatherSum(in(device, 3, 2, 4, 3), far, 2))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("past the 4 tokens");
            // columns past the target's, on both backends (one shared check)
            for (Ops ops : new Ops[]{device, oracle}) {
                Tensor target = in(ops, 4, 3, 6);
                assertThatThrownBy(() -> ops.addIntoColumns(target, in(ops, 5, 3, 4), 3))
                        .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("addIntoColumns")
                        .hasMessageContaining("at column 3 does not fit target [3,6]");
            }
        } finally {
            device.release(mark);
        }
    }

    @Test
    void backwardAndUpdatesMoveNoHostBytes() {
        Tensor p = device.parameter(Shape.of(2, 7, 24), random(1, 336, -1, 1));
        Tensor m = device.parameter(Shape.of(2, 7, 24), new float[336]);
        Tensor v = device.parameter(Shape.of(2, 7, 24), new float[336]);
        long mark = device.mark();
        try {
            Tensor q = in(device, 1, 2, 7, 24), k = in(device, 2, 2, 7, 24), val = in(device, 3, 2, 7, 24);
            Tensor ig = in(device, 4, 2, 7, 2), fg = in(device, 5, 2, 7, 2), dh = in(device, 6, 2, 7, 24);
            IndexTable nb = device.indexTable(7, 3, ConvolutionFrames.causal1d(7, 3));
            device.mlstm(q, k, val, ig, fg, 2, 1e-6f); // the first launches may create buffers
            TransferStats before = device.transfers();
            MlstmGradients g = device.mlstmBackward(q, k, val, ig, fg, dh, 2, 1e-6f);
            Tensor dw = device.linearWeightGradient(g.dq(), dh);
            device.depthwiseConvWeightGradient(g.dk(), dh, nb);
            device.layerNormBackward(g.dv(), dh, 12, null, false, 1e-5f);
            Tensor norm = device.sumOfSquares(dw);
            device.columnSums(g.digate());
            device.adamwUpdate(p, g.dq(), m, v, new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1, 1f));
            TransferStats moved = device.transfers().minus(before);
            assertThat(moved.totalBytes()).isZero();
            assertThat(moved.transfers()).isZero();
            assertThat(device.download(norm)[0]).isPositive();
        } finally {
            device.release(mark);
        }
    }
}
