package org.vil4j.vit;

import org.vil4j.api.Backbone;
import org.vil4j.api.BackboneModel;
import org.vil4j.api.Head;
import org.vil4j.api.HostTensor;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The "vit" backbone: DeiT-III's {@code VisionTransformer} as the Vision-LSTM repository ships it, state_dict names
 * unchanged ({@code patch_embed.proj.*}, {@code pos_embed.embed}, {@code cls_tokens.tokens}, {@code blocks.i.norm1.*,
 * attn.qkv.*, attn.proj.*, ls1.gamma, norm2.*, mlp.fc1.*, mlp.fc2.*, ls2.gamma}, {@code head.0.*}, {@code head.1.*}).
 * Presets: the hub's {@code deit3-tiny} and {@code deit3-tiny-e400} (patch 16, dim 192, depth 12, 3 heads), and
 * {@code vit-fmnist-tiny} (Fashion-MNIST's input, the size of ViL's {@code fmnist-tiny}).
 */
public final class VitBackbone implements Backbone {
    public static final String NAME = "vit";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "DeiT-III VisionTransformer (class tokens, pre-norm attention blocks, layer scale, GELU MLP)";
    }

    @Override
    public boolean builds(String referenceClass) {
        return VitConfig.REFERENCE_CLASS.equals(referenceClass);
    }

    @Override
    public Map<String, ModelSpec> presets() {
        Map<String, Object> tiny = Map.of("patch_size", 16, "dim", 192, "depth", 12, "num_heads", 3);
        Map<String, ModelSpec> p = new LinkedHashMap<>();
        p.put("deit3-tiny", new ModelSpec(VitConfig.REFERENCE_CLASS, tiny));
        p.put("deit3-tiny-e400", new ModelSpec(VitConfig.REFERENCE_CLASS, tiny));
        // ViL's fmnist-tiny at equal size (132,274 weights against 132,650) for comparisons on Fashion-MNIST: same
        // patch and input, dim 72 (4 heads of 18) and 2 blocks
        Map<String, Object> fmnist = new LinkedHashMap<>(); // in order: the spec is written out as given
        fmnist.put("patch_size", 7);
        fmnist.put("dim", 72);
        fmnist.put("depth", 2);
        fmnist.put("num_heads", 4);
        fmnist.put("input_shape", List.of(1, 28, 28));
        fmnist.put("num_outputs", 10);
        p.put("vit-fmnist-tiny", new ModelSpec(VitConfig.REFERENCE_CLASS, fmnist));
        return p;
    }

    @Override
    public Map<String, Shape> parameterShapes(ModelSpec spec, Plugins plugins) {
        VitConfig c = VitConfig.of(spec);
        return layout(c, mixerLayer(c, plugins), plugins.head(c.pooling()));
    }

    static MixerLayer mixerLayer(VitConfig c, Plugins plugins) {
        return plugins.mixer(c.mixer()).layer(new org.vil4j.api.MixerSpec(c.dim(), Map.of("num_heads", c.numHeads(),
                "qkv_bias", true, "proj_bias", true)));
    }

    static Map<String, Shape> layout(VitConfig c, MixerLayer attn, Head head) {
        Map<String, Shape> p = new LinkedHashMap<>();
        int dim = c.dim();
        p.put("patch_embed.proj.weight", Shape.of(dim, c.channels(), c.patchSize(), c.patchSize()));
        p.put("patch_embed.proj.bias", Shape.of(dim));
        p.put("pos_embed.embed", Shape.of(1, c.gridH(), c.gridW(), dim));
        if (c.numClsTokens() > 0) {
            p.put("cls_tokens.tokens", Shape.of(1, c.numClsTokens(), dim));
        }
        for (int i = 0; i < c.depth(); i++) {
            String b = "blocks." + i + ".";
            p.put(b + "norm1.weight", Shape.of(dim));
            p.put(b + "norm1.bias", Shape.of(dim));
            attn.parameters().forEach((name, shape) -> p.put(b + "attn." + name, shape));
            if (c.layerScale() != null) {
                p.put(b + "ls1.gamma", Shape.of(dim));
            }
            p.put(b + "norm2.weight", Shape.of(dim));
            p.put(b + "norm2.bias", Shape.of(dim));
            p.put(b + "mlp.fc1.weight", Shape.of(c.mlpHiddenDim(), dim));
            p.put(b + "mlp.fc1.bias", Shape.of(c.mlpHiddenDim()));
            p.put(b + "mlp.fc2.weight", Shape.of(dim, c.mlpHiddenDim()));
            p.put(b + "mlp.fc2.bias", Shape.of(dim));
            if (c.layerScale() != null) {
                p.put(b + "ls2.gamma", Shape.of(dim));
            }
        }
        head.parameters(dim).forEach((name, shape) -> p.put(VisionTransformer.POOLING + name, shape));
        int width = c.classifier() ? head.outputDim(dim) : dim;
        p.put("head.0.weight", Shape.of(width));
        p.put("head.0.bias", Shape.of(width));
        if (c.classifier()) {
            p.put("head.1.weight", Shape.of(c.numOutputs(), width));
            p.put("head.1.bias", Shape.of(c.numOutputs()));
        }
        return p;
    }

    /**
     * The reference's initialisation: xavier-uniform patch embedding, linears (qkv per merged part) and MLP with zero
     * biases, the fixed sin-cos position embedding, class tokens N(0, 0.02), norms at weight 1 / bias 0, layer
     * scales at their initial value, the classifier as torch.nn.Linear's default (U(+-1/sqrt(fan_in))).
     */
    @Override
    public Map<String, HostTensor> initialize(ModelSpec spec, Plugins plugins, long seed) {
        VitConfig c = VitConfig.of(spec);
        MixerLayer attn = mixerLayer(c, plugins);
        Head head = plugins.head(c.pooling());
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        for (var e : layout(c, attn, head).entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue();
            float[] v = new float[shape.size()];
            int attnAt = name.indexOf(".attn.");
            if (attnAt >= 0) {
                v = attn.initialValues(name.substring(attnAt + ".attn.".length()), shape, random);
            } else if (name.startsWith(VisionTransformer.POOLING)) {
                v = head.initialValues(name.substring(VisionTransformer.POOLING.length()), shape, random);
            } else if (name.equals("patch_embed.proj.weight")) {
                Initialisers.xavierUniform(random, v, shape.size() / shape.dim(0), shape.dim(0));
            } else if (name.equals("pos_embed.embed")) {
                v = Initialisers.sincos2d(c.gridH(), c.gridW(), c.dim());
            } else if (name.equals("cls_tokens.tokens")) {
                Initialisers.normal(random, v, 0.02);
            } else if (name.endsWith("mlp.fc1.weight") || name.endsWith("mlp.fc2.weight")) {
                Initialisers.xavierUniform(random, v, shape.dim(1), shape.dim(0));
            } else if (name.endsWith(".gamma")) {
                java.util.Arrays.fill(v, c.layerScale().floatValue());
            } else if (name.endsWith("norm1.weight") || name.endsWith("norm2.weight") || name.equals("head.0.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else if (name.equals("head.1.weight") || name.equals("head.1.bias")) {
                Initialisers.uniform(random, v, 1.0 / Math.sqrt(c.classifier() ? head.outputDim(c.dim()) : c.dim()));
            }
            weights.put(name, new HostTensor(shape, v));
        }
        return weights;
    }

    @Override
    public BackboneModel create(ModelSpec spec, Plugins plugins, Ops ops, Map<String, HostTensor> weights,
                                String source) {
        return new VisionTransformer(spec, plugins, ops, weights, source);
    }

    /** Its token mixer and its pooling head, both plugins chosen by name in the spec. */
    @Override
    public Map<String, Object> pluginNames(ModelSpec spec) {
        VitConfig c = VitConfig.of(spec);
        Map<String, Object> names = new LinkedHashMap<>();
        names.put("mixer", c.mixer());
        names.put("head", c.pooling());
        return names;
    }

    /** The reference's position embedding is a fixed sin-cos table ({@code VitPosEmbed2d(is_learnable=False)}). */
    @Override
    public Set<String> buffers(ModelSpec spec) {
        return Set.of("pos_embed.embed");
    }
}
