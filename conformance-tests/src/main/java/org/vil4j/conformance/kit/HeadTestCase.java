package org.vil4j.conformance.kit;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Head;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract every {@link Head} must meet, as a JUnit 5 suite a plugin author extends: supply {@link #newHead()}
 * (and {@link #extraTokens()} for a head that needs class tokens before the patches). Checks:
 * <ul>
 *   <li>name: stable, lower-case, found through {@code Plugins.discover().head(name)} (registered);</li>
 *   <li>declared weights (if any): names, positive shapes, finite initial values deterministic for a seed;</li>
 *   <li>on every backend and several token grids (1x1, 2x3, 3x3, 4x5): a pooling head gives
 *       {@code [B, outputDim(dim)]}, any head keeps the batch first and is finite, samples stay apart, and the
 *       backends agree within 1e-4;</li>
 *   <li>gradients (through the tape) reach the tokens and every weight and match central finite differences.</li>
 * </ul>
 */
public abstract class HeadTestCase {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    protected static final int DIM = 6, BATCH = 2;
    protected static final List<int[]> GRIDS = List.of(new int[]{1, 1}, new int[]{2, 3}, new int[]{3, 3},
            new int[]{4, 5});

    /** A fresh instance of the head under test (the factory of the suite). */
    protected abstract Head newHead();

    /** Tokens before the h x w patch tokens (class tokens); 0 by default. */
    protected int extraTokens() {
        return 0;
    }

    @Test
    public void nameIsStableLowerCaseAndRegistered() {
        String name = newHead().name();
        assertThat(name).matches(NAME);
        assertThat(newHead().name()).isEqualTo(name);
        assertThat(SharedBackends.plugins().heads()).as("registered heads (META-INF/services, module-info)")
                .containsKey(name);
        assertThat(newHead().description()).isNotBlank().doesNotContain("\n");
        assertThat(newHead().outputDim(DIM)).as("outputDim").isPositive();
    }

    @Test
    public void weightsAreDeclaredAndInitialisedDeterministically() {
        Map<String, Shape> params = newHead().parameters(DIM);
        assertThat(newHead().parameters(DIM)).isEqualTo(params);
        params.forEach((name, shape) -> {
            assertThat(shape.sizeLong()).as("size of %s", name).isPositive();
            float[] a = newHead().initialValues(name, shape, new SplittableRandom(3));
            assertThat(a).as(name).hasSize(shape.size())
                    .containsExactly(newHead().initialValues(name, shape, new SplittableRandom(3)));
            for (float v : a) {
                assertThat(Float.isFinite(v)).as("initial value of %s", name).isTrue();
            }
        });
    }

    @Test
    public void outputHasTheDeclaredWidthAndAgreesOnEveryBackend() {
        Map<String, float[]> weights = noisyWeights(5);
        for (int[] g : GRIDS) {
            int s = g[0] * g[1] + extraTokens();
            Shape shape = Shape.of(BATCH, s, DIM);
            float[] x = KitChecks.random(new SplittableRandom(g[0] * 31L + g[1]), shape.size(), 1);
            float[] other = x.clone();
            for (int i = s * DIM; i < other.length; i++) {
                other[i] += 0.5f; // sample 1 only
            }
            float[] reference = null;
            for (String backend : SharedBackends.backends()) {
                Ops ops = SharedBackends.ops(backend);
                long mark = ops.mark();
                try {
                    Tensor out = apply(ops, ops.upload(shape, x), weights, g);
                    Shape os = out.shape();
                    assertThat(os.dim(0)).as("batch first").isEqualTo(BATCH);
                    if (newHead().pools()) {
                        assertThat(os).as("pooled shape on %sx%s", g[0], g[1])
                                .isEqualTo(Shape.of(BATCH, newHead().outputDim(DIM)));
                    }
                    float[] a = ops.download(out);
                    float[] b = ops.download(apply(ops, ops.upload(shape, other), weights, g));
                    int half = a.length / BATCH;
                    for (int i = 0; i < half; i++) {
                        assertThat(b[i]).as("sample 0 changed with sample 1 (%s)", backend).isEqualTo(a[i]);
                    }
                    if (reference == null) {
                        reference = a;
                    } else {
                        assertThat(KitChecks.relativeError(backend, a, reference)).isLessThanOrEqualTo(1e-4);
                    }
                } finally {
                    ops.release(mark);
                }
            }
        }
    }

    @Test
    public void gradientsReachTheTokensAndEveryWeight() {
        int[] g = {2, 3};
        Map<String, float[]> weights = noisyWeights(9);
        List<Shape> shapes = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        List<String> names = new ArrayList<>();
        int s = g[0] * g[1] + extraTokens();
        shapes.add(Shape.of(BATCH, s, DIM));
        values.add(KitChecks.random(new SplittableRandom(8), BATCH * s * DIM, 1));
        names.add("tokens");
        newHead().parameters(DIM).forEach((name, shape) -> {
            shapes.add(shape);
            values.add(weights.get(name));
            names.add(name);
        });
        for (String backend : SharedBackends.backends()) {
            KitChecks.gradientsMatchFiniteDifferences(SharedBackends.ops(backend), newHead().name() + " on "
                    + backend, shapes, values, names, (o, leaves) -> {
                        Map<String, Tensor> byName = new HashMap<>();
                        for (int i = 1; i < leaves.size(); i++) {
                            byName.put(names.get(i), leaves.get(i));
                        }
                        return newHead().apply(o, (ParameterSet) byName::get, leaves.get(0), g[0], g[1]);
                    }, 6, 29);
        }
    }

    private Tensor apply(Ops ops, Tensor tokens, Map<String, float[]> weights, int[] g) {
        Map<String, Tensor> uploaded = new HashMap<>();
        newHead().parameters(DIM).forEach((name, shape) -> uploaded.put(name, ops.upload(shape, weights.get(name))));
        return newHead().apply(ops, (ParameterSet) uploaded::get, tokens, g[0], g[1]);
    }

    private Map<String, float[]> noisyWeights(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        newHead().parameters(DIM).forEach((name, shape) -> {
            float[] v = newHead().initialValues(name, shape, random);
            float[] noise = KitChecks.random(random, v.length, 0.2);
            for (int i = 0; i < v.length; i++) {
                v[i] += noise[i];
            }
            out.put(name, v);
        });
        return out;
    }
}
