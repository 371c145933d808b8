package org.vil4j.conformance.kit;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract a backend's {@link Ops} must meet, as a JUnit 5 suite its author extends: supply {@link #ops()} (the
 * backend under test, opened once). Every differentiable op, on small odd shapes with several heads and batches, must
 * give the plain-Java oracle's forward within {@link #FORWARD_TOLERANCE} and, through a
 * {@link GradientTape} over it, the oracle's gradients for every input within {@link #GRADIENT_TOLERANCE} (relative
 * to each tensor's largest magnitude); the transformer ops (GELU, per-channel scaling, attention) are also held to
 * central finite differences on the backend itself.
 */
public abstract class OpsTestCase {
    public static final double FORWARD_TOLERANCE = 1e-5;
    public static final double GRADIENT_TOLERANCE = 1e-4;

    /** The backend under test; the suite does not close it. */
    protected abstract Ops ops();

    private record Case(String name, List<Shape> inputs, BiFunction<Ops, List<Tensor>, Tensor> op,
                        boolean finiteDifferences) {
    }

    private static final Map<Ops, Map<String, IndexTable>> TABLES = new IdentityHashMap<>();

    private static synchronized IndexTable table(Ops ops, String key, int rows, int cols, int[] data) {
        return TABLES.computeIfAbsent(ops, o -> new java.util.HashMap<>())
                .computeIfAbsent(key, k -> ops.indexTable(rows, cols, data));
    }

    private static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("linear", List.of(Shape.of(2, 5, 7), Shape.of(3, 7), Shape.of(3)),
                (o, t) -> o.linear(t.get(0), t.get(1), t.get(2)), false));
        c.add(new Case("matmul", List.of(Shape.of(2, 3, 4), Shape.of(2, 4, 5)), (o, t) -> o.matmul(t.get(0), t.get(1)),
                false));
        c.add(new Case("headwiseLinear", List.of(Shape.of(3, 8), Shape.of(2, 4, 4), Shape.of(8)),
                (o, t) -> o.headwiseLinear(t.get(0), t.get(1), t.get(2)), false));
        c.add(new Case("layerNorm", List.of(Shape.of(2, 3, 6), Shape.of(6), Shape.of(6)),
                (o, t) -> o.layerNorm(t.get(0), 6, t.get(1), false, t.get(2), 1e-6f), false));
        c.add(new Case("layerNorm grouped residual", List.of(Shape.of(3, 8), Shape.of(8), Shape.of(8)),
                (o, t) -> o.layerNorm(t.get(0), 4, t.get(1), true, t.get(2), 1e-5f), false));
        c.add(new Case("add broadcast", List.of(Shape.of(2, 3, 4), Shape.of(3, 4)), (o, t) -> o.add(t.get(0), t.get(1)),
                false));
        c.add(new Case("mul", List.of(Shape.of(3, 5), Shape.of(3, 5)), (o, t) -> o.mul(t.get(0), t.get(1)), false));
        c.add(new Case("silu", List.of(Shape.of(4, 5)), (o, t) -> o.silu(t.get(0)), false));
        c.add(new Case("skipGate", List.of(Shape.of(3, 6), Shape.of(6), Shape.of(3, 6), Shape.of(3, 6)),
                (o, t) -> o.skipGate(t.get(0), t.get(1), t.get(2), t.get(3)), false));
        c.add(new Case("gatherTokens", List.of(Shape.of(2, 5, 3)), (o, t) -> o.gatherTokens(t.get(0),
                table(o, "gather", 7, 1, new int[]{4, 0, 0, -1, 2, 4, 1})), false));
        c.add(new Case("depthwiseConv", List.of(Shape.of(2, 6, 3), Shape.of(3, 9), Shape.of(3)),
                (o, t) -> o.depthwiseConv(t.get(0), table(o, "frame", 6, 9, ConvolutionFrames.rowMajorFrame(2, 3, 3)),
                        t.get(1), t.get(2)), false));
        c.add(new Case("patchify", List.of(Shape.of(2, 2, 6, 6)), (o, t) -> o.patchify(t.get(0), 3, 3, 3, 3), false));
        c.add(new Case("mlstm", List.of(Shape.of(2, 5, 8), Shape.of(2, 5, 8), Shape.of(2, 5, 8), Shape.of(2, 5, 2),
                Shape.of(2, 5, 2)), (o, t) -> o.mlstm(t.get(0), t.get(1), t.get(2), t.get(3), t.get(4), 2, 1e-6f),
                false));
        c.add(new Case("gelu", List.of(Shape.of(3, 7)), (o, t) -> o.gelu(o.scale(t.get(0), 3f)), true));
        c.add(new Case("scaleChannels", List.of(Shape.of(2, 3, 5), Shape.of(5)),
                (o, t) -> o.scaleChannels(t.get(0), t.get(1)), true));
        c.add(new Case("attention", List.of(Shape.of(2, 7, 6), Shape.of(2, 7, 6), Shape.of(2, 7, 6)),
                (o, t) -> o.attention(t.get(0), t.get(1), t.get(2), 3, 0.8f), true));
        return c;
    }

    @TestFactory
    public Stream<DynamicTest> everyOpMatchesTheJavaOracleForwardAndBackward() {
        Ops oracle = SharedBackends.ops("java");
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            SplittableRandom random = new SplittableRandom(c.name().hashCode());
            List<float[]> values = new ArrayList<>();
            for (Shape s : c.inputs()) {
                values.add(KitChecks.random(random, s.size(), 1));
            }
            List<float[]> mine = run(ops(), c, values, 5);
            List<float[]> theirs = run(oracle, c, values, 5);
            assertThat(KitChecks.relativeError(c.name() + " forward", mine.get(0), theirs.get(0)))
                    .as("%s forward against the java oracle", c.name()).isLessThanOrEqualTo(FORWARD_TOLERANCE);
            for (int i = 1; i < mine.size(); i++) {
                assertThat(KitChecks.relativeError(c.name() + " gradient " + (i - 1), mine.get(i), theirs.get(i)))
                        .as("%s: gradient of input %s against the java oracle", c.name(), i - 1)
                        .isLessThanOrEqualTo(GRADIENT_TOLERANCE);
            }
            if (c.finiteDifferences()) {
                List<String> names = new ArrayList<>();
                for (int i = 0; i < values.size(); i++) {
                    names.add("input " + i);
                }
                KitChecks.gradientsMatchFiniteDifferences(ops(), c.name(), c.inputs(), values, names, c.op(), 10, 3);
            }
        }));
    }

    /** The forward output, then the tape's gradient of every input for the seed {@code sum(out * R)}. */
    private static List<float[]> run(Ops ops, Case c, List<float[]> values, long seed) {
        GradientTape tape = new GradientTape(ops);
        tape.trackInputs(true);
        List<float[]> out = new ArrayList<>();
        tape.begin();
        try {
            List<Tensor> leaves = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                leaves.add(tape.upload(c.inputs().get(i), values.get(i)));
            }
            Tensor y = c.op().apply(tape, leaves);
            out.add(tape.download(y));
            Map<Tensor, Tensor> grads = tape.backward(y, tape.upload(y.shape(),
                    KitChecks.random(new SplittableRandom(seed), y.shape().size(), 1)));
            for (Tensor leaf : leaves) {
                Tensor g = grads.get(leaf);
                assertThat(g).as("%s: no gradient for an input", c.name()).isNotNull();
                out.add(tape.download(g));
            }
        } finally {
            tape.end();
        }
        return out;
    }
}
