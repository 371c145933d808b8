package org.vil4j.conformance.kit;

import org.vil4j.conformance.LocalityStats;
import org.junit.jupiter.api.Test;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.VisionLstm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract every {@link TraversalStrategy} must meet, as a JUnit 5 suite a plugin author extends (as Lucene's
 * {@code BaseTokenStreamTestCase}): supply {@link #newTraversal()}, optionally declare a locality bound
 * ({@link #maxMeanStep()}), and the subclass runs every check below.
 * <ul>
 *   <li>name: stable, lower-case {@code [a-z][a-z0-9_]*}, the same for every instance, and found again through
 *       {@code Plugins.discover().traversal(name)} (so the plugin must be registered for ServiceLoader);</li>
 *   <li>the order is a bijection of {@code 0 .. h*w-1} on many grids (1x1, 1xn, nx1, odd, non-square, squares) and
 *       {@code inverse} inverts it;</li>
 *   <li>determinism: the same order from repeated calls and fresh instances;</li>
 *   <li>the convolution neighbour table is well formed: in range, the centre tap reads the token itself, no cell is
 *       read twice, and reading is symmetric (if i reads j through tap t, j reads i through the mirrored tap);</li>
 *   <li>locality statistics ({@link LocalityStats}) are finite and sensible, within the declared bound if any;</li>
 *   <li>a micro ViL ({@link MicroVil}) whose every sub-block uses the traversal runs forward on every backend
 *       ({@link SharedBackends#backends()}: java and opencl) and the backends agree within 1e-4; its output differs
 *       from the identity order's exactly when the traversal (order or convolution) differs from the identity.</li>
 * </ul>
 * Backends are opened once per JVM ({@link SharedBackends}), so the suite costs little per plugin.
 *
 * <p>Training: {@link #gradientsFlowThroughEveryBlockOnEveryBackend()} back-propagates through a micro ViL whose
 * every sub-block uses the traversal, on every backend, and checks the input gradient against a finite difference.
 */
public abstract class TraversalStrategyTestCase {
    /** Grids every structural check runs on: degenerate, odd, non-square, powers of two and not. */
    protected static final List<int[]> GRIDS = List.of(new int[]{1, 1}, new int[]{1, 2}, new int[]{2, 1},
            new int[]{1, 7}, new int[]{7, 1}, new int[]{1, 32}, new int[]{2, 2}, new int[]{2, 3}, new int[]{3, 3},
            new int[]{3, 5}, new int[]{4, 4}, new int[]{4, 6}, new int[]{5, 7}, new int[]{7, 5}, new int[]{6, 10},
            new int[]{8, 8}, new int[]{9, 16}, new int[]{13, 17}, new int[]{14, 14}, new int[]{16, 16},
            new int[]{17, 3}, new int[]{31, 33});
    /** Backends agree within this relative error (the golden tolerance). */
    protected static final double BACKEND_TOLERANCE = 1e-4;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private final Map<String, VisionLstm> models = new HashMap<>();

    /** A fresh instance of the traversal under test (the factory of the suite). */
    protected abstract TraversalStrategy newTraversal();

    /**
     * The largest mean Manhattan step ({@link LocalityStats#meanStep()}) allowed on any grid, for a traversal that
     * claims to be local; {@code Double.NaN} (the default) makes no locality claim.
     */
    protected double maxMeanStep() {
        return Double.NaN;
    }

    /** The grids of the structural checks; override to add grids, never to leave the hard ones out. */
    protected List<int[]> grids() {
        return GRIDS;
    }

    @Test
    public void nameIsStableAndLowerCase() {
        String name = newTraversal().name();
        assertThat(name).as("name").isNotNull().matches(NAME);
        assertThat(newTraversal().name()).as("name of a second instance").isEqualTo(name);
        TraversalStrategy t = newTraversal();
        t.order(3, 5);
        assertThat(t.name()).as("name after use").isEqualTo(name);
    }

    @Test
    public void descriptionIsOneShortLine() {
        String description = newTraversal().description();
        assertThat(description).isNotBlank().doesNotContain("\n").doesNotContain("\r");
        assertThat(description.length()).as("description length").isLessThanOrEqualTo(120);
    }

    @Test
    public void nameFindsThisTraversalThroughPlugins() {
        TraversalStrategy t = newTraversal();
        TraversalStrategy found = SharedBackends.plugins().traversal(t.name());
        assertThat(found.name()).isEqualTo(t.name());
        assertThat(found.getClass()).isEqualTo(t.getClass());
        for (int[] g : List.of(new int[]{5, 7}, new int[]{4, 4}, new int[]{1, 9})) {
            assertThat(found.order(g[0], g[1])).as("order on %dx%d", g[0], g[1]).isEqualTo(t.order(g[0], g[1]));
        }
    }

    @Test
    public void orderIsABijectionOnEveryGrid() {
        TraversalStrategy t = newTraversal();
        for (int[] g : grids()) {
            int[] order = t.order(g[0], g[1]);
            assertThat(order).as("%s on %dx%d", t.name(), g[0], g[1]).hasSize(g[0] * g[1]);
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertThat(sorted[i]).as("%s on %dx%d is not a permutation", t.name(), g[0], g[1]).isEqualTo(i);
            }
        }
    }

    @Test
    public void inverseInvertsTheOrder() {
        TraversalStrategy t = newTraversal();
        for (int[] g : grids()) {
            int[] order = t.order(g[0], g[1]);
            int[] inverse = t.inverse(g[0], g[1]);
            assertThat(inverse).hasSameSizeAs(order);
            for (int i = 0; i < order.length; i++) {
                assertThat(inverse[order[i]]).as("%s on %dx%d: inverse[order[%d]]", t.name(), g[0], g[1], i)
                        .isEqualTo(i);
            }
        }
    }

    @Test
    public void ordersAreDeterministic() {
        TraversalStrategy a = newTraversal(), b = newTraversal();
        for (int[] g : grids()) {
            int[] first = a.order(g[0], g[1]);
            assertThat(a.order(g[0], g[1])).as("second call on %dx%d", g[0], g[1]).isEqualTo(first);
            assertThat(b.order(g[0], g[1])).as("fresh instance on %dx%d", g[0], g[1]).isEqualTo(first);
            assertThat(b.convolutionNeighbours(g[0], g[1], 3)).isEqualTo(a.convolutionNeighbours(g[0], g[1], 3));
        }
    }

    @Test
    public void evenKernelsAreRejected() {
        TraversalStrategy t = newTraversal();
        assertThatThrownBy(() -> t.convolutionNeighbours(4, 4, 2)).isInstanceOf(RuntimeException.class);
    }

    @Test
    public void convolutionNeighboursAreAWellFormedTable() {
        TraversalStrategy t = newTraversal();
        for (int[] g : grids()) {
            int n = g[0] * g[1];
            for (int k : new int[]{1, 3, 5}) {
                int taps = k * k;
                int[] table = t.convolutionNeighbours(g[0], g[1], k);
                String where = t.name() + " on " + g[0] + "x" + g[1] + ", k=" + k;
                assertThat(table).as(where).hasSize(n * taps);
                for (int i = 0; i < n; i++) {
                    assertThat(table[i * taps + taps / 2]).as("%s: centre tap of %d", where, i).isEqualTo(i);
                    boolean[] seen = new boolean[n];
                    for (int tap = 0; tap < taps; tap++) {
                        int j = table[i * taps + tap];
                        assertThat(j).as("%s: entry (%d, %d)", where, i, tap).isBetween(-1, n - 1);
                        if (j >= 0) {
                            assertThat(seen[j]).as("%s: %d reads %d twice", where, i, j).isFalse();
                            seen[j] = true;
                            assertThat(table[j * taps + taps - 1 - tap]).as("%s: %d reads %d through tap %d, "
                                    + "but not the other way through the mirrored tap", where, i, j, tap).isEqualTo(i);
                        }
                    }
                }
            }
        }
    }

    @Test
    public void localityStatisticsAreSensible() {
        TraversalStrategy t = newTraversal();
        double bound = maxMeanStep();
        for (int[] g : grids()) {
            LocalityStats s = LocalityStats.of(t.order(g[0], g[1]), g[0], g[1]);
            String where = t.name() + " on " + g[0] + "x" + g[1] + ": " + s;
            assertThat(s.steps()).isEqualTo(g[0] * g[1] - 1);
            if (s.steps() == 0) {
                continue;
            }
            assertThat(Double.isFinite(s.meanStep())).as(where).isTrue();
            assertThat(s.meanStep()).as(where).isGreaterThanOrEqualTo(1.0);
            assertThat(s.unitStepFraction()).as(where).isBetween(0.0, 1.0);
            assertThat(s.maxStep()).as(where).isBetween(1, g[0] - 1 + g[1] - 1);
            if (!Double.isNaN(bound)) {
                assertThat(s.meanStep()).as("declared local: " + where).isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    public void microVilRunsForwardOnEveryBackendAndTheyAgree() {
        TraversalStrategy t = newTraversal();
        List<String> backends = new ArrayList<>(SharedBackends.backends());
        assertThat(backends).as("kit backends").contains("java");
        VisionLstm oracle = microVil("java");
        VisionLstm identity = MicroVil.model(SharedBackends.ops("java"), MicroVil.identity(), 7);
        for (int[] in : MicroVil.INPUTS) {
            HostTensor input = MicroVil.input(2, in[0], in[1], 11);
            float[] expected = MicroVil.forward(oracle, input);
            int[] grid = oracle.grid(in[0], in[1]);
            String where = t.name() + " on a " + grid[0] + "x" + grid[1] + " token grid";
            assertThat(expected).as(where).hasSize(2 * grid[0] * grid[1] * MicroVil.DIM);
            for (float v : expected) {
                assertThat(Float.isFinite(v)).as("%s: finite output", where).isTrue();
            }
            for (String backend : backends) {
                if (!backend.equals("java")) {
                    float[] actual = MicroVil.forward(microVil(backend), input);
                    assertThat(MicroVil.relativeError(actual, expected)).as("%s: %s against java", where, backend)
                            .isLessThanOrEqualTo(BACKEND_TOLERANCE);
                }
            }
            float[] baseline = MicroVil.forward(identity, input);
            double difference = MicroVil.relativeError(expected, baseline);
            if (isIdentity(t, grid[0], grid[1])) {
                assertThat(difference).as("%s: same order and convolution as the identity", where)
                        .isLessThanOrEqualTo(1e-6);
            } else {
                assertThat(difference).as("%s: output must change when the order or convolution does", where)
                        .isGreaterThan(1e-3);
            }
        }
    }

    @Test
    public void gradientsFlowThroughEveryBlockOnEveryBackend() {
        TraversalStrategy t = newTraversal();
        int[] in = MicroVil.INPUTS.get(0);
        HostTensor input = MicroVil.input(2, in[0], in[1], 13);
        VisionLstm probe = microVil("java");
        int[] grid = probe.grid(in[0], in[1]);
        float[] weights = new float[2 * grid[0] * grid[1] * MicroVil.DIM];
        java.util.SplittableRandom random = new java.util.SplittableRandom(17);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (random.nextDouble() * 2 - 1);
        }
        Map<String, float[]> expected = null;
        GradientTape javaTape = null;
        VisionLstm javaModel = null;
        for (String backend : SharedBackends.backends()) {
            GradientTape tape = new GradientTape(SharedBackends.ops(backend));
            VisionLstm model = MicroVil.model(tape, t, 7);
            Map<String, float[]> grads = MicroVil.gradients(model, tape, input, weights);
            String where = t.name() + " on " + backend;
            assertThat(grads.keySet()).as("%s: every parameter and the input get a gradient", where)
                    .contains("input").containsAll(model.parameters().keySet());
            grads.forEach((name, g) -> {
                double norm = 0;
                for (float v : g) {
                    assertThat(Float.isFinite(v)).as("%s: finite d/d %s", where, name).isTrue();
                    norm += v * v;
                }
                if (!name.endsWith("bias") && !name.equals("norm.weight")) {
                    assertThat(norm).as("%s: d/d %s is not all zero", where, name).isGreaterThan(0);
                }
            });
            if (expected == null) {
                expected = grads;
                javaTape = tape;
                javaModel = model;
            } else {
                for (var e : expected.entrySet()) {
                    assertThat(MicroVil.relativeError(grads.get(e.getKey()), e.getValue()))
                            .as("%s: d/d %s against java", where, e.getKey()).isLessThanOrEqualTo(1e-3);
                }
            }
        }
        // the input gradient is the derivative: compare it with a central difference along a random direction
        float[] direction = MicroVil.input(2, in[0], in[1], 19).data();
        double analytic = 0;
        double scale = 0; // sum |g_i d_i|: the size of the terms that cancel in the directional derivative
        for (int i = 0; i < direction.length; i++) {
            analytic += (double) expected.get("input")[i] * direction[i];
            scale += Math.abs((double) expected.get("input")[i] * direction[i]);
        }
        double h = 1e-3;
        double numeric = (loss(javaModel, shifted(input, direction, h), weights)
                - loss(javaModel, shifted(input, direction, -h), weights)) / (2 * h);
        // float32 forwards: the difference quotient carries about 1e-7 * |L| / h of noise, well under 1% of scale
        assertThat(Math.abs(numeric - analytic)).as("%s: directional derivative %s vs finite difference %s (scale %s)",
                t.name(), analytic, numeric, scale).isLessThanOrEqualTo(1e-2 * scale);
        assertThat(javaTape.isRecording()).isFalse();
    }

    private static HostTensor shifted(HostTensor input, float[] direction, double h) {
        float[] v = input.data().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] += (float) (h * direction[i]);
        }
        return new HostTensor(input.shape(), v);
    }

    private static double loss(VisionLstm model, HostTensor input, float[] weights) {
        float[] out = MicroVil.forward(model, input);
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            sum += (double) out[i] * weights[i];
        }
        return sum;
    }

    /**
     * The micro ViL with every sub-block on this traversal, built once per backend for this test instance (the
     * building block of forward and, later, gradient checks).
     */
    protected final VisionLstm microVil(String backend) {
        return models.computeIfAbsent(backend, b -> MicroVil.model(SharedBackends.ops(b), newTraversal(), 7));
    }

    private static boolean isIdentity(TraversalStrategy t, int h, int w) {
        int[] order = t.order(h, w);
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) {
                return false;
            }
        }
        return Arrays.equals(t.convolutionNeighbours(h, w, 3), ConvolutionFrames.rowMajorFrame(h, w, 3));
    }
}
