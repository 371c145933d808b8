package org.vil4j.conformance.kit;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.TraversalStrategy;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VisionLstm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A very small ViL (v2, dim 16, one block pair, 4x4 patches, feature mode) that the kit builds with a traversal under
 * test: cheap enough to run for every plugin on every backend. Inputs are 16x24 (a 4x6 token grid) and 12x20 (3x5).
 * Weights are the reference initialisation with noise on every tensor, so no block is a no-op at start (the
 * reference starts residual norms at zero) and the order of tokens matters.
 */
public final class MicroVil {
    public static final int DIM = 16, DEPTH = 1, CHANNELS = 3, PATCH = 4;
    /** Input sizes {height, width}: a 4x6 and a 3x5 token grid. */
    public static final List<int[]> INPUTS = List.of(new int[]{16, 24}, new int[]{12, 20});
    /** Name of the kit's own identity traversal (row-major, reference convolution), the baseline of comparisons. */
    public static final String IDENTITY = "kit_identity";

    private MicroVil() {
    }

    /** The configuration with every sub-block on {@code traversal}. */
    public static VilConfig config(String traversal) {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("dim", DIM);
        kwargs.put("depth", DEPTH);
        kwargs.put("patch_size", PATCH);
        kwargs.put("input_shape", List.of(CHANNELS, INPUTS.get(0)[0], INPUTS.get(0)[1]));
        kwargs.put("mode", "features");
        return VilConfig.fromReference("VisionLSTM2", kwargs).withTraversals(List.of(traversal));
    }

    /**
     * The discovered mixers, heads and backends with exactly these traversals and the kit's identity: the kit does
     * not need any shipped traversal.
     */
    public static Plugins plugins(TraversalStrategy... traversals) {
        Plugins found = SharedBackends.plugins();
        Map<String, TraversalStrategy> map = new LinkedHashMap<>();
        map.put(IDENTITY, identity());
        for (TraversalStrategy t : traversals) {
            map.put(t.name(), t);
        }
        return new Plugins(map, found.mixers(), found.heads(), found.backends());
    }

    /** Reference initialisation plus N(0, 0.1) on every tensor (norm scales around 1). Deterministic for a seed. */
    public static Map<String, HostTensor> weights(VilConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        VilInitializer.initialize(config, seed).forEach((name, t) -> {
            float[] v = t.data().clone();
            boolean normScale = name.endsWith("norm.weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = (normScale ? 1f : v[i]) + (float) (0.1 * gaussian(random));
            }
            weights.put(name, new HostTensor(t.shape(), v));
        });
        return weights;
    }

    /** A batch of {@code batch} random images of the given size. */
    public static HostTensor input(int batch, int height, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[batch * CHANNELS * height * width];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) gaussian(random);
        }
        return new HostTensor(Shape.of(batch, CHANNELS, height, width), v);
    }

    /** A model with every sub-block on {@code traversal}, on {@code ops}, prepared for every kit input size. */
    public static VisionLstm model(Ops ops, TraversalStrategy traversal, long seed) {
        VilConfig config = config(traversal.name());
        VisionLstm model = new VisionLstm(config, plugins(traversal), ops, weights(config, seed), "kit micro ViL");
        for (int[] in : INPUTS) {
            model.prepare(in[0], in[1]);
        }
        return model;
    }

    /** Runs one forward and returns its output on the host; the workspace is released again. */
    public static float[] forward(VisionLstm model, HostTensor input) {
        Ops ops = model.ops();
        long mark = ops.mark();
        try {
            Tensor x = ops.upload(input.shape(), input.data());
            return ops.download(model.forward(x, ActivationSink.NONE));
        } finally {
            ops.release(mark);
        }
    }

    /**
     * d L / d (input and every parameter) for {@code L = sum(output * weights)}, through a {@link GradientTape}:
     * {@code "input"} and the parameter names map to host gradients (a parameter the output does not reach is
     * absent). {@code model} must have been built on the tape.
     */
    public static Map<String, float[]> gradients(VisionLstm model, GradientTape tape, HostTensor input,
                                                 float[] weights) {
        Map<String, float[]> out = new LinkedHashMap<>();
        tape.trackInputs(true);
        tape.begin();
        try {
            Tensor x = tape.upload(input.shape(), input.data());
            Tensor y = model.forward(x, ActivationSink.NONE);
            Map<Tensor, Tensor> grads = tape.backward(y, tape.upload(y.shape(), weights));
            if (grads.containsKey(x)) {
                out.put("input", tape.download(grads.get(x)));
            }
            model.parameters().forEach((name, p) -> {
                Tensor g = grads.get(p);
                if (g != null) {
                    out.put(name, tape.download(g));
                }
            });
        } finally {
            tape.end();
        }
        return out;
    }

    /** max |a - b| / max(|b|, 1e-12): the relative error the golden tests use. */
    public static double relativeError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(actual.length + " values against " + expected.length);
        }
        double err = 0, max = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            err = Math.max(err, d);
            max = Math.max(max, Math.abs(expected[i]));
        }
        return max == 0 ? err : err / max;
    }

    /** Row-major order with the reference's convolution. */
    static TraversalStrategy identity() {
        return new TraversalStrategy() {
            @Override
            public String name() {
                return IDENTITY;
            }

            @Override
            public String description() {
                return "row-major identity (the kit's baseline)";
            }

            @Override
            public int[] order(int h, int w) {
                int[] order = new int[h * w];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                return order;
            }
        };
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = 1.0 - r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
