package org.vil4j.vit;

import org.vil4j.api.MixerContext;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.MixerSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.SequenceMixer;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Multi-head softmax self-attention with a fused qkv projection (kappamodules' {@code DotProductAttention1d}, no
 * mask): {@code qkv.weight [3 dim, dim]} laid out (three, heads, head_dim), {@code proj.*}. Options: {@code num_heads}
 * (required to divide dim), {@code qkv_bias}, {@code proj_bias} (default true).
 */
public final class AttentionMixer implements SequenceMixer {
    public static final String NAME = "attention";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "multi-head softmax self-attention, fused qkv (ViT/DeiT-III), not causal";
    }

    @Override
    public MixerLayer layer(MixerSpec spec) {
        return new Layer(spec.dim(), spec.integer("num_heads", 1), spec.flag("qkv_bias", true),
                spec.flag("proj_bias", true));
    }

    private record Layer(int dim, int heads, boolean qkvBias, boolean projBias) implements MixerLayer {
        Layer {
            if (heads < 1 || dim % heads != 0) {
                throw new Vil4jException("attention mixer: dim " + dim + " does not split into " + heads + " heads");
            }
        }

        @Override
        public Map<String, Shape> parameters() {
            Map<String, Shape> p = new LinkedHashMap<>();
            p.put("qkv.weight", Shape.of(3 * dim, dim));
            if (qkvBias) {
                p.put("qkv.bias", Shape.of(3 * dim));
            }
            p.put("proj.weight", Shape.of(dim, dim));
            if (projBias) {
                p.put("proj.bias", Shape.of(dim));
            }
            return p;
        }

        /** xavier_uniform per merged part (qkv: three [dim, dim] matrices), zero biases. */
        @Override
        public float[] initialValues(String name, Shape shape, SplittableRandom random) {
            float[] v = new float[shape.size()];
            if (name.endsWith(".weight")) {
                Initialisers.xavierUniform(random, v, dim, dim);
            }
            return v;
        }

        @Override
        public Tensor forward(Ops ops, ParameterSet p, Tensor x, MixerContext context) {
            Tensor qkv = ops.linear(x, p.get("qkv.weight"), p.optional("qkv.bias"));
            Tensor q = ops.columns(qkv, 0, dim);
            Tensor k = ops.columns(qkv, dim, dim);
            Tensor v = ops.columns(qkv, 2 * dim, dim);
            Tensor a = ops.attention(q, k, v, heads, (float) (1.0 / Math.sqrt(dim / heads)));
            return ops.linear(a, p.get("proj.weight"), p.optional("proj.bias"));
        }
    }
}
