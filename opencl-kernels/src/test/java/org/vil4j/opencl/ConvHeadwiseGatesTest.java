package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code Ops.convHeadwiseGates} on OpenCL, one pass (the depthwise convolution + SiLU, then q|k|v and the gates over
 * it): against the Java backend's composition, bit for bit against the device's own two passes, and its typed errors.
 */
class ConvHeadwiseGatesTest extends DeviceWithOracle {
    /**
     * One call's shapes: batch, a neighbour table of {@code tokens} rows and {@code taps} columns, q|k|v of
     * {@code blocks} blocks of {@code size}, gates split {@code gates1 + gates2}; xm a column view of a twice as
     * wide tensor where {@code view}; {@code biases} false leaves out every bias but the second gate's.
     */
    record Case(String name, int batch, int tokens, int taps, int[] table, int blocks, int size, int gates1,
                int gates2, boolean view, boolean biases) {
        int width() {
            return blocks * size;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        int[] order = shuffled(49, 5);
        return Stream.of(
                // the 3x3 frame of a 3x5 grid (-1 padding at the border), q|k|v of 24, gates 4 + 4, xm a view
                new Case("3x5 frame, 2 images, W 24, gates 4+4", 2, 15, 9, ConvolutionFrames.rowMajorFrame(3, 5, 3),
                        6, 4, 4, 4, true, true),
                // a shuffled traversal on 7x7 in the image's frame; W 15 (odd, fewer than the 32 lanes), gates 3 + 5
                new Case("7x7 image frame, W 15, gates 3+5", 2, 49, 9, ConvolutionFrames.imageFrame(order, 7, 7, 3),
                        5, 3, 3, 5, false, false),
                // W 72: every lane takes two or three columns; 98 rows leave part of a group's segments idle
                new Case("7x7 frame, W 72, gates 4+4", 2, 49, 9, ConvolutionFrames.rowMajorFrame(7, 7, 3), 18, 4,
                        4, 4, true, true),
                // the causal 1-D convolution (ViL v1), 3 sequences, gates 2 + 3
                new Case("causal 1-D k4, 3 sequences, W 40, gates 2+3", 3, 15, 4, ConvolutionFrames.causal1d(15, 4),
                        10, 4, 2, 3, true, true),
                // 588 rows: several sweeps of the groups over the rows, the last one partial
                new Case("14x14 frame, 3 images, W 48, gates 4+4", 3, 196, 9,
                        ConvolutionFrames.rowMajorFrame(14, 14, 3), 12, 4, 4, 4, true, true),
                // blocks of 16 and of 32: a lane's q and k read a values that 15 or all 31 other lanes wrote
                new Case("3x5 frame, 4 blocks of 16, gates 4+4", 2, 15, 9, ConvolutionFrames.rowMajorFrame(3, 5, 3),
                        4, 16, 4, 4, true, true),
                new Case("7x7 frame, 3 blocks of 32, gates 3+5", 2, 49, 9, ConvolutionFrames.rowMajorFrame(7, 7, 3),
                        3, 32, 3, 5, false, true),
                // one token a sequence: every tap but the centre reads padding
                new Case("1x1 frame, W 8, gates 1+1", 4, 1, 9, ConvolutionFrames.rowMajorFrame(1, 1, 3), 2, 4, 1, 1,
                        false, true),
                // more than eight gates: the composition, not the fused pass
                new Case("3x5 frame, 6+5 gates (unfused)", 2, 15, 9, ConvolutionFrames.rowMajorFrame(3, 5, 3), 5, 3,
                        6, 5, true, true));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesTheJavaComposition(Case c) {
        long dm = device.mark(), om = oracle.mark();
        try {
            float[] d = device.download(fused(device, c));
            float[] o = oracle.download(fused(oracle, c));
            assertThat(d).hasSameSizeAs(o);
            assertThat(o.length).isEqualTo(c.batch() * c.tokens() * (4 * c.width() + c.gates1() + c.gates2()));
            // per part, relative to the part's max: a, q|k|v and the gates differ in scale
            int row = 4 * c.width() + c.gates1() + c.gates2();
            int[] starts = {0, c.width(), 4 * c.width(), row};
            for (int part = 0; part < 3; part++) {
                double err = 0, max = 0;
                for (int i = 0; i < o.length; i++) {
                    int col = i % row;
                    if (col >= starts[part] && col < starts[part + 1]) {
                        err = Math.max(err, Math.abs(d[i] - o[i]));
                        max = Math.max(max, Math.abs(o[i]));
                    }
                }
                assertThat(max).as("part %d's max", part).isGreaterThan(0).isFinite();
                assertThat(err / max).as("part %d: max error %s of max %s", part, err, max)
                        .isLessThanOrEqualTo(1e-5);
            }
        } finally {
            device.release(dm);
            oracle.release(om);
        }
    }

    /** The fused pass sums as the two passes it replaces do: equal floats, in one launch instead of three. */
    @ParameterizedTest
    @MethodSource("cases")
    void bitIdenticalToTheTwoPassesInOneLaunch(Case c) {
        long mark = device.mark();
        try {
            Inputs in = inputs(device, c);
            long before = device.kernelLaunches();
            Tensor one = device.convHeadwiseGates(in.xm, in.table, in.convW, in.convB, in.ws, in.bs, in.gateWs,
                    in.gateBs);
            long fusedLaunches = device.kernelLaunches() - before;
            Tensor a = device.depthwiseConvSilu(in.xm, in.table, in.convW, in.convB);
            Tensor two = device.concatColumns(a, device.headwiseLinearConcatGates(List.of(a, a, in.xm), in.ws, in.bs,
                    in.gateWs, in.gateBs));
            float[] f = device.download(one), t = device.download(two);
            assertThat(f).hasSameSizeAs(t);
            for (int i = 0; i < f.length; i++) {
                if (Float.floatToIntBits(f[i]) != Float.floatToIntBits(t[i])) {
                    throw new AssertionError("element " + i + " (column " + i % one.shape().last() + "): fused "
                            + f[i] + ", two passes " + t[i]);
                }
            }
            if (c.gates1() + c.gates2() <= 8) {
                assertThat(fusedLaunches).isEqualTo(1);
            }
        } finally {
            device.release(mark);
        }
    }

    /**
     * Segments past the last row (30 rows: the last group's segments 6 and 7) write nothing: the output is placed in
     * a gap of its exact size just below a canary tensor, which must come through unchanged.
     */
    @Test
    void writesNothingPastItsRows() {
        Case c = cases().findFirst().orElseThrow();
        long mark = device.mark();
        try {
            Inputs in = inputs(device, c);
            int rows = c.batch() * c.tokens(), width = 4 * c.width() + c.gates1() + c.gates2();
            Tensor gap = device.upload(Shape.of(rows, width), new float[rows * width]);
            float[] canary = OpenCLMatchesJavaTest.random(99, 16 * width, 5);
            Tensor above = device.upload(Shape.of(16, width), canary);
            assertThat(device.free(gap)).isTrue();
            Tensor out = device.convHeadwiseGates(in.xm, in.table, in.convW, in.convB, in.ws, in.bs, in.gateWs,
                    in.gateBs);
            assertThat(((DeviceTensor) out).offset()).as("the output fills the freed gap")
                    .isEqualTo(((DeviceTensor) gap).offset());
            assertThat(device.download(above)).containsExactly(canary);
        } finally {
            device.release(mark);
        }
    }

    /** The gradient tape hands the op to the backend while it does not record, and records the composition. */
    @Test
    void tapePassesTheFusedOpThroughOnlyWhileNotRecording() {
        Case c = cases().findFirst().orElseThrow();
        GradientTape tape = new GradientTape(device);
        long mark = device.mark();
        try {
            Inputs in = inputs(tape, c);
            long before = device.kernelLaunches();
            Tensor plain = tape.convHeadwiseGates(in.xm, in.table, in.convW, in.convB, in.ws, in.bs, in.gateWs,
                    in.gateBs);
            assertThat(device.kernelLaunches() - before).isEqualTo(1);
            float[] expected = device.download(plain);
            tape.begin();
            try {
                long recorded = device.kernelLaunches();
                float[] got = device.download(tape.convHeadwiseGates(in.xm, in.table, in.convW, in.convB, in.ws,
                        in.bs, in.gateWs, in.gateBs));
                assertThat(device.kernelLaunches() - recorded).isGreaterThan(1);
                assertThat(got).hasSameSizeAs(expected);
                double err = 0, max = 0;
                for (int i = 0; i < got.length; i++) {
                    err = Math.max(err, Math.abs(got[i] - expected[i]));
                    max = Math.max(max, Math.abs(expected[i]));
                }
                assertThat(err / max).isLessThanOrEqualTo(1e-5);
            } finally {
                tape.end();
            }
        } finally {
            device.release(mark);
        }
    }

    @Test
    void badOperandsAreTypedErrors() {
        Case c = cases().findFirst().orElseThrow();
        long mark = device.mark();
        try {
            Inputs in = inputs(device, c);
            IndexTable short14 = device.indexTable(14, 9, Arrays.copyOf(c.table(), 14 * 9));
            assertThatThrownBy(() -> device.convHeadwiseGates(in.xm, short14, in.convW, in.convB, in.ws, in.bs,
                    in.gateWs, in.gateBs)).isInstanceOf(ShapeMismatchException.class)
                    .hasMessage("convHeadwiseGates: xm [2,15,24], neighbours 14x9, conv weight [24,9], conv bias [24] "
                            + "do not fit");
            int[] past = c.table().clone();
            past[4] = 15;
            IndexTable pastTheEnd = device.indexTable(15, 9, past);
            assertThatThrownBy(() -> device.convHeadwiseGates(in.xm, pastTheEnd, in.convW, in.convB, in.ws, in.bs,
                    in.gateWs, in.gateBs)).isInstanceOf(ShapeMismatchException.class).hasMessageContaining("do not fit");
            assertThatThrownBy(() -> device.convHeadwiseGates(in.xm, in.table, in(device, 3, 24, 8), in.convB, in.ws,
                    in.bs, in.gateWs, in.gateBs)).isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("conv weight [24,8]");
            assertThatThrownBy(() -> device.convHeadwiseGates(in.xm, in.table, in.convW, in(device, 4, 23), in.ws,
                    in.bs, in.gateWs, in.gateBs)).isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("conv bias [23]");
            assertThatThrownBy(() -> device.convHeadwiseGates(in(device, 5, 30, 24), in.table, in.convW, in.convB,
                    in.ws, in.bs, in.gateWs, in.gateBs)).isInstanceOf(ShapeMismatchException.class)
                    .hasMessage("convHeadwiseGates: needs a rank-3 tensor, got [30,24]");
            List<Tensor> wrongBlocks = List.of(in(device, 6, 5, 4, 4), in.ws.get(1), in.ws.get(2));
            assertThatThrownBy(() -> device.convHeadwiseGates(in.xm, in.table, in.convW, in.convB, wrongBlocks,
                    in.bs, in.gateWs, in.gateBs)).isInstanceOf(ShapeMismatchException.class)
                    .hasMessage("convHeadwiseGates: part 0: x [2,15,24], w [5,4,4], bias [24] do not fit");
            assertThatThrownBy(() -> device.convHeadwiseGates(in.xm, in.table, in.convW, in.convB, in.ws, in.bs,
                    List.of(in(device, 7, 4, 71), in.gateWs.get(1)), in.gateBs))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessage("convHeadwiseGates: q|k|v of 72 columns and weights [4,71], [4,72] disagree on K");
        } finally {
            device.release(mark);
        }
    }

    private record Inputs(Tensor xm, IndexTable table, Tensor convW, Tensor convB, List<Tensor> ws, List<Tensor> bs,
                          List<Tensor> gateWs, List<Tensor> gateBs) {
    }

    private static Tensor fused(Ops ops, Case c) {
        Inputs in = inputs(ops, c);
        return ops.convHeadwiseGates(in.xm, in.table, in.convW, in.convB, in.ws, in.bs, in.gateWs, in.gateBs);
    }

    private static Inputs inputs(Ops ops, Case c) {
        int w = c.width(), k = 3 * w;
        Tensor xm = c.view() ? ops.columns(in(ops, 1, c.batch(), c.tokens(), 2 * w), 0, w)
                : in(ops, 1, c.batch(), c.tokens(), w);
        IndexTable table = ops.indexTable(c.tokens(), c.taps(), c.table());
        List<Tensor> ws = List.of(in(ops, 4, c.blocks(), c.size(), c.size()), in(ops, 5, c.blocks(), c.size(),
                c.size()), in(ops, 6, c.blocks(), c.size(), c.size()));
        List<Tensor> bs = c.biases() ? Arrays.asList(in(ops, 7, w), null, in(ops, 8, w))
                : Arrays.asList(null, null, null);
        return new Inputs(xm, table, in(ops, 2, w, c.taps()), c.biases() ? in(ops, 3, w) : null, ws, bs,
                List.of(in(ops, 9, c.gates1(), k), in(ops, 10, c.gates2(), k)),
                Arrays.asList(c.biases() ? in(ops, 11, c.gates1()) : null, in(ops, 12, c.gates2())));
    }

    private static Tensor in(Ops ops, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return ops.upload(s, OpenCLMatchesJavaTest.random(seed, s.size(), 1));
    }

    private static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
