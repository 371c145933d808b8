package org.vil4j.conformance.kit;

import org.junit.jupiter.api.Test;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.MixerContext;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.MixerSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.SequenceMixer;
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
 * The contract every {@link SequenceMixer} must meet, as a JUnit 5 suite a plugin author extends: supply
 * {@link #newMixer()} (and, if the mixer needs options, {@link #spec()}). Checks:
 * <ul>
 *   <li>name: stable, lower-case, found through {@code Plugins.discover().mixer(name)} (registered);</li>
 *   <li>declared parameters: state_dict-like names, positive shapes, the same for two layers of one spec; initial
 *       values of the declared size, finite, and deterministic for a seed;</li>
 *   <li>forward on every backend ({@link SharedBackends#backends()}) keeps the shape {@code [B, S, dim]}, is finite,
 *       mixes (changing one token changes another token's output), treats the samples of a batch apart, and the
 *       backends agree within 1e-4;</li>
 *   <li>gradients (through the tape) reach the input and every parameter and match central finite differences, on
 *       every backend.</li>
 * </ul>
 * Parameters are the mixer's initial values plus noise, so no part of the layer is a no-op.
 */
public abstract class SequenceMixerTestCase {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern PARAMETER = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z0-9_]+)*");
    /** The token grid of the forward checks (S = 6) and the batch. */
    protected static final int GRID_H = 2, GRID_W = 3, BATCH = 2;

    /** A fresh instance of the mixer under test (the factory of the suite). */
    protected abstract SequenceMixer newMixer();

    /** The blocks the layer is made for: width 8 and 2 heads by default, with a 3x3 convolution frame. */
    protected MixerSpec spec() {
        return new MixerSpec(8, Map.of("num_heads", 2));
    }

    @Test
    public void nameIsStableLowerCaseAndRegistered() {
        String name = newMixer().name();
        assertThat(name).matches(NAME);
        assertThat(newMixer().name()).isEqualTo(name);
        assertThat(SharedBackends.plugins().mixers()).as("registered mixers (META-INF/services, module-info)")
                .containsKey(name);
        assertThat(newMixer().description()).isNotBlank().doesNotContain("\n");
    }

    @Test
    public void parametersAreDeclaredAndInitialisedDeterministically() {
        MixerLayer layer = newMixer().layer(spec());
        Map<String, Shape> params = layer.parameters();
        assertThat(newMixer().layer(spec()).parameters()).as("a second layer's parameters").isEqualTo(params);
        params.forEach((name, shape) -> {
            assertThat(name).as("parameter name").matches(PARAMETER);
            assertThat(shape.sizeLong()).as("size of %s %s", name, shape).isPositive();
            float[] a = layer.initialValues(name, shape, new SplittableRandom(7));
            float[] b = newMixer().layer(spec()).initialValues(name, shape, new SplittableRandom(7));
            assertThat(a).as("initial values of %s", name).hasSize(shape.size()).containsExactly(b);
            for (float v : a) {
                assertThat(Float.isFinite(v)).as("initial value of %s", name).isTrue();
            }
        });
    }

    @Test
    public void forwardKeepsTheShapeMixesAndAgreesOnEveryBackend() {
        int dim = spec().dim(), s = GRID_H * GRID_W;
        Shape shape = Shape.of(BATCH, s, dim);
        float[] x = KitChecks.random(new SplittableRandom(11), shape.size(), 1);
        float[] moved = x.clone();
        for (int c = 0; c < dim; c++) {
            moved[(s - 1) * dim + c] += 1f; // sample 0, last token
        }
        Map<String, float[]> params = noisyParameters(13);
        float[] reference = null;
        for (String backend : SharedBackends.backends()) {
            Ops ops = SharedBackends.ops(backend);
            float[] out = run(ops, shape, x, params);
            float[] out2 = run(ops, shape, moved, params);
            boolean mixes = false;
            for (int i = 0; i < (s - 1) * dim; i++) {
                mixes |= out[i] != out2[i];
            }
            assertThat(mixes).as("%s: changing the last token changes no other token's output", backend).isTrue();
            for (int i = s * dim; i < out.length; i++) {
                assertThat(out2[i]).as("%s: sample 1 changed with sample 0", backend).isEqualTo(out[i]);
            }
            if (reference == null) {
                reference = out;
            } else {
                assertThat(KitChecks.relativeError(backend, out, reference)).as("%s against %s", backend,
                        SharedBackends.backends().get(0)).isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @Test
    public void gradientsReachEveryParameterAndMatchFiniteDifferences() {
        int dim = spec().dim();
        Map<String, float[]> params = noisyParameters(17);
        Map<String, Shape> declared = newMixer().layer(spec()).parameters();
        List<Shape> shapes = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        List<String> names = new ArrayList<>();
        shapes.add(Shape.of(BATCH, GRID_H * GRID_W, dim));
        values.add(KitChecks.random(new SplittableRandom(19), BATCH * GRID_H * GRID_W * dim, 1));
        names.add("input");
        declared.forEach((name, shape) -> {
            shapes.add(shape);
            values.add(params.get(name));
            names.add(name);
        });
        for (String backend : SharedBackends.backends()) {
            Ops ops = SharedBackends.ops(backend);
            KitChecks.gradientsMatchFiniteDifferences(ops, newMixer().name() + " on " + backend, shapes, values,
                    names, (o, leaves) -> {
                        Map<String, Tensor> byName = new HashMap<>();
                        for (int i = 1; i < leaves.size(); i++) {
                            byName.put(names.get(i), leaves.get(i));
                        }
                        return forward(o, leaves.get(0), byName);
                    }, 4, 23);
        }
    }

    private float[] run(Ops ops, Shape shape, float[] x, Map<String, float[]> params) {
        long mark = ops.mark();
        try {
            Map<String, Tensor> uploaded = new HashMap<>();
            newMixer().layer(spec()).parameters().forEach((name, s) ->
                    uploaded.put(name, ops.upload(s, params.get(name))));
            Tensor out = forward(ops, ops.upload(shape, x), uploaded);
            assertThat(out.shape()).as("output shape").isEqualTo(shape);
            return ops.download(out);
        } finally {
            ops.release(mark);
        }
    }

    private Tensor forward(Ops ops, Tensor x, Map<String, Tensor> params) {
        ParameterSet set = params::get;
        return newMixer().layer(spec()).forward(ops, set, x, new MixerContext(GRID_H, GRID_W, 0,
                table(ops)));
    }

    /** The 3x3 neighbour table of the row-major frame, one per Ops (tables are persistent). */
    private static final Map<Ops, IndexTable> TABLES = new java.util.IdentityHashMap<>();

    private static synchronized IndexTable table(Ops ops) {
        return TABLES.computeIfAbsent(ops, o -> o.indexTable(GRID_H * GRID_W, 9,
                ConvolutionFrames.rowMajorFrame(GRID_H, GRID_W, 3)));
    }

    private Map<String, float[]> noisyParameters(long seed) {
        MixerLayer layer = newMixer().layer(spec());
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        layer.parameters().forEach((name, shape) -> {
            float[] v = layer.initialValues(name, shape, random);
            float[] noise = KitChecks.random(random, v.length, 0.2);
            for (int i = 0; i < v.length; i++) {
                v[i] += noise[i];
            }
            out.put(name, v);
        });
        return out;
    }
}
