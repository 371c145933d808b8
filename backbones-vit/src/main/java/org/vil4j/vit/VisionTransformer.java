package org.vil4j.vit;

import org.vil4j.api.BackboneModel;
import org.vil4j.api.Head;
import org.vil4j.api.HostTensor;
import org.vil4j.api.IndexTable;
import org.vil4j.api.MixerContext;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.WeightsMismatchException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * DeiT-III's VisionTransformer on one backend, composed of the op set as the reference's forward: patch embedding,
 * position embedding, class tokens in front, pre-norm blocks {@code x + ls1 * attn(norm1(x))},
 * {@code x + ls2 * fc2(gelu(fc1(norm2(x))))}, then the head: LayerNorm and Linear on the pooled class token
 * (classifier) or LayerNorm on every token (features, {@code [B, classTokens + h*w, dim]}).
 */
public final class VisionTransformer implements BackboneModel {
    /** Where a head plugin's own weights would live (the reference's head.0/head.1 are the norm and classifier). */
    static final String POOLING = "pooling.";

    private final ModelSpec spec;
    private final VitConfig config;
    private final Ops ops;
    private final MixerLayer attn;
    private final Head head;
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final ParameterSet all = params::get;
    /** [S + n, 1] tables: the patch tokens moved back by n (class-token rows empty), and the class tokens alone. */
    private final IndexTable prepend;
    private final IndexTable classRows;

    public VisionTransformer(ModelSpec spec, Plugins plugins, Ops ops, Map<String, HostTensor> weights,
                             String source) {
        this.spec = spec;
        this.config = VitConfig.of(spec);
        this.ops = ops;
        this.attn = VitBackbone.mixerLayer(config, plugins);
        this.head = plugins.head(config.pooling());
        if (config.classifier() && !head.pools()) {
            throw new Vil4jException("invalid VisionTransformer configuration: a classifier needs a pooling head "
                    + "(class_token, first, mean, ...), got pooling " + config.pooling());
        }
        Map<String, Shape> layout = VitBackbone.layout(config, attn, head);
        check(layout, weights, source);
        layout.forEach((name, shape) -> params.put(name, ops.parameter(shape, weights.get(name).data())));
        int n = config.numClsTokens(), s = config.gridH() * config.gridW();
        if (n > 0) {
            int[] moved = new int[s + n], cls = new int[s + n];
            for (int i = 0; i < s + n; i++) {
                moved[i] = i < n ? -1 : i - n;
                cls[i] = i < n ? i : -1;
            }
            prepend = ops.indexTable(s + n, 1, moved);
            classRows = ops.indexTable(s + n, 1, cls);
        } else {
            prepend = null;
            classRows = null;
        }
    }

    public VitConfig config() {
        return config;
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(params);
    }

    @Override
    public Tensor forward(Tensor images, BiConsumer<String, Tensor> sink) {
        Shape in = images.shape();
        int gh = config.gridH(), gw = config.gridW(), dim = config.dim(), p = config.patchSize();
        if (in.rank() != 4 || in.dim(1) != config.channels() || in.dim(2) != config.height()
                || in.dim(3) != config.width()) {
            throw new ShapeMismatchException("VisionTransformer: input " + in + " must be [B, " + config.channels()
                    + ", " + config.height() + ", " + config.width() + "] (the size its position embedding was made "
                    + "for)");
        }
        int b = in.dim(0);
        Tensor patches = ops.patchify(images, p, p, p, p);
        Tensor projW = ops.reshape(all.get("patch_embed.proj.weight"), Shape.of(dim, config.channels() * p * p));
        Tensor x = ops.linear(patches, projW, all.get("patch_embed.proj.bias"));
        sink.accept("patch_embed", ops.reshape(x, Shape.of(b, gh, gw, dim)));
        x = ops.add(x, ops.reshape(all.get("pos_embed.embed"), Shape.of(gh * gw, dim)));
        sink.accept("pos_embed", ops.reshape(x, Shape.of(b, gh, gw, dim)));
        if (prepend != null) {
            // [tokens | x]: x moved back by n with empty rows in front, plus the tokens placed in those rows
            Tensor tokens = ops.gatherTokens(all.get("cls_tokens.tokens"), classRows);
            x = ops.add(ops.gatherTokens(x, prepend), ops.reshape(tokens, Shape.of(config.tokens(), dim)));
        }
        float eps = (float) config.eps();
        long base = ops.mark();
        for (int i = 0; i < config.depth(); i++) {
            x = ops.keep(base, block(x, i, eps, gh, gw));
            sink.accept("blocks." + i, x);
        }
        if (!config.classifier()) {
            x = ops.layerNorm(x, dim, all.get("head.0.weight"), false, all.get("head.0.bias"), eps);
            sink.accept("head_norm", x);
            return x;
        }
        Tensor pooled = head.apply(ops, all.below(POOLING), x, gh, gw);
        pooled = ops.layerNorm(pooled, pooled.shape().last(), all.get("head.0.weight"), false,
                all.get("head.0.bias"), eps);
        sink.accept("head_norm", pooled);
        return ops.linear(pooled, all.get("head.1.weight"), all.get("head.1.bias"));
    }

    private Tensor block(Tensor x, int i, float eps, int gh, int gw) {
        String b = "blocks." + i + ".";
        int dim = config.dim();
        Tensor xn = ops.layerNorm(x, dim, all.get(b + "norm1.weight"), false, all.get(b + "norm1.bias"), eps);
        Tensor y = attn.forward(ops, all.below(b + "attn."), xn, new MixerContext(gh, gw, i, null));
        x = ops.add(x, layerScale(y, b + "ls1.gamma"));
        xn = ops.layerNorm(x, dim, all.get(b + "norm2.weight"), false, all.get(b + "norm2.bias"), eps);
        Tensor h = ops.gelu(ops.linear(xn, all.get(b + "mlp.fc1.weight"), all.get(b + "mlp.fc1.bias")));
        y = ops.linear(h, all.get(b + "mlp.fc2.weight"), all.get(b + "mlp.fc2.bias"));
        return ops.add(x, layerScale(y, b + "ls2.gamma"));
    }

    private Tensor layerScale(Tensor y, String gamma) {
        Tensor g = all.optional(gamma);
        return g == null ? y : ops.scaleChannels(y, g);
    }

    private static void check(Map<String, Shape> layout, Map<String, HostTensor> weights, String source) {
        List<String> problems = new ArrayList<>();
        layout.forEach((name, shape) -> {
            HostTensor t = weights.get(name);
            if (t == null) {
                problems.add("missing " + name + " " + shape);
            } else if (!t.shape().equals(shape)) {
                problems.add("mis-shaped " + name + ": expected " + shape + ", found " + t.shape());
            }
        });
        weights.forEach((name, t) -> {
            if (!layout.containsKey(name)) {
                problems.add("unexpected " + name + " " + t.shape());
            }
        });
        if (!problems.isEmpty()) {
            throw new WeightsMismatchException(source, problems);
        }
        layout.keySet().forEach(name -> {
            float[] v = weights.get(name).data();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new Vil4jException("weights from " + source + ": tensor " + name + " holds " + v[i]
                            + " at element " + i);
                }
            }
        });
    }
}
