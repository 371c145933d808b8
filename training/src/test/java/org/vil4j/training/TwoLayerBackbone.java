package org.vil4j.training;

import org.vil4j.api.Backbone;
import org.vil4j.api.BackboneModel;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * A backbone plugin as a third party might write one, for the trainer's tests: images plus a fixed offset (a buffer,
 * as DeiT-III's sin-cos position embedding), then {@code blocks.0} (linear, GELU) and a linear classifier, or the
 * hidden features as one token {@code [B, 1, hidden]} in features mode ({@code "mode": "features"}). Registered for
 * the tests by {@code META-INF/services/org.vil4j.api.Backbone}, so saved files find it by its name.
 */
public final class TwoLayerBackbone implements Backbone {
    public static final String OFFSET = "offset";

    public static ModelSpec spec(int side, int hidden, int classes) {
        return new ModelSpec("TwoLayer", Map.of("side", side, "hidden", hidden, "classes", classes));
    }

    @Override
    public String name() {
        return "two_layer";
    }

    @Override
    public String description() {
        return "test backbone: a fixed offset, one hidden layer, a classifier";
    }

    @Override
    public boolean builds(String referenceClass) {
        return referenceClass.equals("TwoLayer");
    }

    @Override
    public Set<String> buffers(ModelSpec spec) {
        return Set.of(OFFSET);
    }

    @Override
    public Map<String, Shape> parameterShapes(ModelSpec spec, Plugins plugins) {
        int in = spec.integer("side", 0) * spec.integer("side", 0), hidden = spec.integer("hidden", 0);
        Map<String, Shape> p = new LinkedHashMap<>();
        p.put(OFFSET, Shape.of(in));
        p.put("blocks.0.fc.weight", Shape.of(hidden, in));
        p.put("blocks.0.fc.bias", Shape.of(hidden));
        if (!"features".equals(spec.string("mode", "classifier"))) {
            p.put("head.weight", Shape.of(spec.integer("classes", 0), hidden));
            p.put("head.bias", Shape.of(spec.integer("classes", 0)));
        }
        return p;
    }

    @Override
    public Map<String, HostTensor> initialize(ModelSpec spec, Plugins plugins, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        parameterShapes(spec, plugins).forEach((name, shape) -> {
            float[] v = new float[shape.size()];
            double bound = name.equals(OFFSET) ? 0.5 : 1 / Math.sqrt(shape.dim(shape.rank() - 1));
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) random.nextDouble(-bound, bound);
            }
            w.put(name, new HostTensor(shape, v));
        });
        return w;
    }

    @Override
    public BackboneModel create(ModelSpec spec, Plugins plugins, Ops ops, Map<String, HostTensor> weights,
                                String source) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        parameterShapes(spec, plugins).forEach((name, shape) -> params.put(name, ops.parameter(shape,
                weights.get(name).data())));
        return new BackboneModel() {
            @Override
            public ModelSpec spec() {
                return spec;
            }

            @Override
            public Tensor forward(Tensor images, BiConsumer<String, Tensor> activations) {
                int batch = images.shape().dim(0);
                Tensor x = ops.reshape(images, Shape.of(batch, images.shape().size() / batch));
                x = ops.add(x, params.get(OFFSET));
                Tensor h = ops.gelu(ops.linear(x, params.get("blocks.0.fc.weight"), params.get("blocks.0.fc.bias")));
                return params.containsKey("head.weight")
                        ? ops.linear(h, params.get("head.weight"), params.get("head.bias"))
                        : ops.reshape(h, Shape.of(batch, 1, h.shape().dim(1)));
            }

            @Override
            public Map<String, Tensor> parameters() {
                return params;
            }
        };
    }
}
