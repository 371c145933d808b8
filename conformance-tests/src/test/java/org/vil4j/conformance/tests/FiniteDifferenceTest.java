package org.vil4j.conformance.tests;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every differentiable operation against central finite differences on small random shapes, on both backends:
 * with {@code L = sum(out * R)} for a fixed random R, the tape's d L / d input must match {@code (L(x + h) - L(x -
 * h)) / 2h} for sampled elements of every input.
 */
class FiniteDifferenceTest {
    private static final double H = 1e-2;
    /** Relative to the largest analytic gradient of the input: float32 forwards and O(h^2) truncation. */
    private static final double TOLERANCE = 1e-2;

    /** An op under test: shapes of its inputs and how to compute it from them. */
    private record Case(String name, List<Shape> inputs, BiFunction<Ops, List<Tensor>, Tensor> op) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, List<Shape> inputs, BiFunction<Ops, List<Tensor>, Tensor> op) {
        return new Case(name, inputs, op);
    }

    /** Index tables per Ops (each tape, each backend), made once: they are persistent. */
    private static final Map<Ops, Map<String, IndexTable>> TABLES = new java.util.IdentityHashMap<>();

    private static synchronized IndexTable table(Ops ops, String key, int rows, int cols, int[] data) {
        return TABLES.computeIfAbsent(ops, o -> new java.util.HashMap<>())
                .computeIfAbsent(key, k -> ops.indexTable(rows, cols, data));
    }

    static List<Case> cases() {
        return List.of(
                c("linear", List.of(Shape.of(2, 3, 5), Shape.of(4, 5), Shape.of(4)),
                        (o, t) -> o.linear(t.get(0), t.get(1), t.get(2))),
                c("matmul shared", List.of(Shape.of(2, 3, 4), Shape.of(4, 5)), (o, t) -> o.matmul(t.get(0), t.get(1))),
                c("matmul batched", List.of(Shape.of(2, 3, 4), Shape.of(2, 4, 5)),
                        (o, t) -> o.matmul(t.get(0), t.get(1))),
                c("headwiseLinear", List.of(Shape.of(3, 8), Shape.of(2, 4, 4), Shape.of(8)),
                        (o, t) -> o.headwiseLinear(t.get(0), t.get(1), t.get(2))),
                c("transpose", List.of(Shape.of(2, 3, 4)), (o, t) -> o.transpose(t.get(0))),
                c("layerNorm grouped residual", List.of(Shape.of(3, 8), Shape.of(8), Shape.of(8)),
                        (o, t) -> o.layerNorm(t.get(0), 4, t.get(1), true, t.get(2), 1e-5f)),
                // x's gradient from the residual first, then added in the norm's own backward pass
                c("layerNorm beside a residual", List.of(Shape.of(3, 8), Shape.of(8), Shape.of(8)),
                        (o, t) -> o.add(t.get(0), o.layerNorm(t.get(0), 8, t.get(1), true, t.get(2), 1e-5f))),
                c("layerNorm plain", List.of(Shape.of(2, 2, 6), Shape.of(6), Shape.of(6)),
                        (o, t) -> o.layerNorm(t.get(0), 6, t.get(1), false, t.get(2), 1e-6f)),
                c("add broadcast", List.of(Shape.of(2, 3, 4), Shape.of(3, 4)), (o, t) -> o.add(t.get(0), t.get(1))),
                c("mul", List.of(Shape.of(3, 5), Shape.of(3, 5)), (o, t) -> o.mul(t.get(0), t.get(1))),
                c("scale", List.of(Shape.of(3, 5)), (o, t) -> o.scale(t.get(0), -1.7f)),
                c("silu", List.of(Shape.of(4, 5)), (o, t) -> o.silu(t.get(0))),
                c("skipGate", List.of(Shape.of(3, 6), Shape.of(6), Shape.of(3, 6), Shape.of(3, 6)),
                        (o, t) -> o.skipGate(t.get(0), t.get(1), t.get(2), t.get(3))),
                c("gatherTokens with repeats and gaps", List.of(Shape.of(2, 5, 3)),
                        (o, t) -> o.gatherTokens(t.get(0), table(o, "gather", 7, 1, new int[]{4, 0, 0, -1, 2, 4, 1}))),
                c("addGatheredTokens", List.of(Shape.of(2, 5, 3), Shape.of(2, 4, 3)),
                        (o, t) -> o.addGatheredTokens(t.get(0), t.get(1),
                                table(o, "addGathered", 5, 1, new int[]{3, -1, 0, 1, 2}))),
                c("columns", List.of(Shape.of(3, 7)), (o, t) -> o.columns(t.get(0), 2, 3)),
                // the second view's gradient goes into the first's in place (Ops.addIntoColumns), overlapping it
                c("columns twice, overlapping", List.of(Shape.of(3, 7)),
                        (o, t) -> o.mul(o.columns(t.get(0), 1, 3), o.columns(t.get(0), 2, 3))),
                // two views, then a consumer of the whole tensor (its backward runs last and adds as usual)
                c("columns twice and the whole", List.of(Shape.of(2, 6)), (o, t) -> {
                    Tensor whole = o.silu(t.get(0));
                    Tensor views = o.mul(o.columns(t.get(0), 0, 3), o.columns(t.get(0), 3, 3));
                    return o.concatColumns(views, o.columns(whole, 1, 2));
                }),
                c("concatColumns", List.of(Shape.of(2, 3), Shape.of(2, 4)),
                        (o, t) -> o.concatColumns(t.get(0), t.get(1))),
                c("depthwiseConv 3x3 frame", List.of(Shape.of(2, 6, 3), Shape.of(3, 9), Shape.of(3)),
                        (o, t) -> o.depthwiseConv(t.get(0), table(o, "frame", 6, 9,
                                ConvolutionFrames.rowMajorFrame(2, 3, 3)), t.get(1), t.get(2))),
                // x's gradient from the SiLU first, then added in the convolution's backward pass
                c("depthwiseConv beside another use", List.of(Shape.of(2, 5, 3), Shape.of(3, 4), Shape.of(3)),
                        (o, t) -> o.add(o.depthwiseConv(t.get(0), table(o, "causal", 5, 4,
                                ConvolutionFrames.causal1d(5, 4)), t.get(1), t.get(2)), o.silu(t.get(0)))),
                c("depthwiseConv causal", List.of(Shape.of(2, 5, 3), Shape.of(3, 4), Shape.of(3)),
                        (o, t) -> o.depthwiseConv(t.get(0), table(o, "causal", 5, 4, ConvolutionFrames.causal1d(5, 4)),
                                t.get(1), t.get(2))),
                c("patchify", List.of(Shape.of(2, 2, 6, 6)), (o, t) -> o.patchify(t.get(0), 3, 3, 3, 3)),
                c("patchify overlapping", List.of(Shape.of(1, 2, 6, 8)), (o, t) -> o.patchify(t.get(0), 4, 4, 2, 2)),
                c("mlstm", List.of(Shape.of(2, 5, 8), Shape.of(2, 5, 8), Shape.of(2, 5, 8), Shape.of(2, 5, 2),
                                Shape.of(2, 5, 2)),
                        (o, t) -> o.mlstm(t.get(0), t.get(1), t.get(2), t.get(3), t.get(4), 2, 1e-6f)),
                c("reshape", List.of(Shape.of(2, 6)), (o, t) -> o.silu(o.reshape(t.get(0), Shape.of(3, 4)))),
                c("gelu", List.of(Shape.of(4, 5)), (o, t) -> o.gelu(o.scale(t.get(0), 3f))),
                c("scaleChannels", List.of(Shape.of(2, 3, 5), Shape.of(5)),
                        (o, t) -> o.scaleChannels(t.get(0), t.get(1))),
                c("attention", List.of(Shape.of(2, 5, 6), Shape.of(2, 5, 6), Shape.of(2, 5, 6)),
                        (o, t) -> o.attention(t.get(0), t.get(1), t.get(2), 2, 1.3f)),
                c("mlstm chunkwise 2", List.of(Shape.of(2, 5, 8), Shape.of(2, 5, 8), Shape.of(2, 5, 8),
                                Shape.of(2, 5, 2), Shape.of(2, 5, 2)),
                        (o, t) -> mlstmIn(o, t, org.vil4j.api.MlstmForm.CHUNKWISE, 2)),
                c("mlstm recurrent", List.of(Shape.of(2, 5, 8), Shape.of(2, 5, 8), Shape.of(2, 5, 8),
                                Shape.of(2, 5, 2), Shape.of(2, 5, 2)),
                        (o, t) -> mlstmIn(o, t, org.vil4j.api.MlstmForm.RECURRENT, 0)));
    }

    /** The mLSTM in a form (forward and, through the tape, backward), where the backend must or does have it. */
    private static Tensor mlstmIn(Ops ops, List<Tensor> t, org.vil4j.api.MlstmForm form, int chunk) {
        Backends.requireMlstmForm(ops, form);
        return ops.mlstm(t.get(0), t.get(1), t.get(2), t.get(3), t.get(4), 2, 1e-6f, form, chunk);
    }

    static Stream<Arguments> arguments() {
        return Stream.of("java", "opencl").flatMap(b -> cases().stream().map(c -> Arguments.of(b, c)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("arguments")
    void gradientMatchesFiniteDifferences(String backend, Case testCase) {
        Ops ops = Backends.ops(backend);
        GradientTape tape = new GradientTape(ops);
        tape.trackInputs(true);
        SplittableRandom random = new SplittableRandom(testCase.name().hashCode());
        List<float[]> values = new ArrayList<>();
        for (Shape s : testCase.inputs()) {
            float[] v = new float[s.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextDouble() * 2 - 1);
            }
            values.add(v);
        }
        Shape outShape;
        float[] weights;
        List<float[]> analytic = new ArrayList<>();
        tape.begin();
        try {
            List<Tensor> leaves = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                leaves.add(tape.upload(testCase.inputs().get(i), values.get(i)));
            }
            Tensor out = testCase.op().apply(tape, leaves);
            outShape = out.shape();
            weights = new float[outShape.size()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) (random.nextDouble() * 2 - 1);
            }
            Map<Tensor, Tensor> grads = tape.backward(out, tape.upload(outShape, weights));
            for (Tensor leaf : leaves) {
                Tensor g = grads.get(leaf);
                assertThat(g).as("gradient of an input of %s", testCase.name()).isNotNull();
                assertThat(g.shape()).isEqualTo(leaf.shape());
                analytic.add(tape.download(g));
            }
        } finally {
            tape.end();
        }
        for (int input = 0; input < values.size(); input++) {
            float[] x = values.get(input);
            double maxAnalytic = 0;
            for (float g : analytic.get(input)) {
                maxAnalytic = Math.max(maxAnalytic, Math.abs(g));
            }
            int checks = Math.min(x.length, 12);
            for (int n = 0; n < checks; n++) {
                int i = x.length <= 12 ? n : random.nextInt(x.length);
                float original = x[i];
                x[i] = (float) (original + H);
                double plus = loss(ops, testCase, values, weights);
                x[i] = (float) (original - H);
                double minus = loss(ops, testCase, values, weights);
                x[i] = original;
                double numeric = (plus - minus) / (2 * H);
                assertThat(Math.abs(numeric - analytic.get(input)[i]))
                        .as("%s: d/d input %d [%d]: analytic %s, numeric %s", testCase.name(), input, i,
                                analytic.get(input)[i], numeric)
                        .isLessThanOrEqualTo(TOLERANCE * Math.max(maxAnalytic, 1e-3));
            }
        }
    }

    private static double loss(Ops ops, Case testCase, List<float[]> values, float[] weights) {
        long mark = ops.mark();
        try {
            List<Tensor> leaves = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                leaves.add(ops.upload(testCase.inputs().get(i), values.get(i)));
            }
            float[] out = ops.download(testCase.op().apply(ops, leaves));
            double sum = 0;
            for (int i = 0; i < out.length; i++) {
                sum += (double) out[i] * weights[i];
            }
            return sum;
        } finally {
            ops.release(mark);
        }
    }
}
