package com.example.vil4j.mixer;

import org.vil4j.api.MixerContext;
import org.vil4j.api.MixerLayer;
import org.vil4j.api.MixerSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.SequenceMixer;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An example third-party sequence mixer with weights, in one class: every token becomes
 * {@code local(x_t) + global(mean_s x_s)}, a per-token linear map plus a linear map of the sequence mean broadcast to
 * every token (a linear-time, order-free mixer). Parameters {@code local.weight [dim, dim]}, {@code local.bias [dim]},
 * {@code global.weight [dim, dim]}; composed of vil4j ops only, so both backends run it and the tape differentiates it.
 */
public final class GlobalContextMixer implements SequenceMixer {
    @Override
    public String name() {
        return "example_global_context";
    }

    @Override
    public String description() {
        return "example plugin: a linear map of each token plus a linear map of the sequence mean";
    }

    @Override
    public MixerLayer layer(MixerSpec spec) {
        int dim = spec.dim();
        return new MixerLayer() {
            @Override
            public Map<String, Shape> parameters() {
                Map<String, Shape> p = new LinkedHashMap<>();
                p.put("local.weight", Shape.of(dim, dim));
                p.put("local.bias", Shape.of(dim));
                p.put("global.weight", Shape.of(dim, dim));
                return p;
            }

            @Override
            public float[] initialValues(String name, Shape shape, SplittableRandom random) {
                float[] v = new float[shape.size()];
                if (name.endsWith(".weight")) { // xavier uniform; the bias starts at zero
                    double bound = Math.sqrt(6.0 / (2 * dim));
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                    }
                }
                return v;
            }

            @Override
            public Tensor forward(Ops ops, ParameterSet p, Tensor x, MixerContext context) {
                Shape s = x.shape();
                int b = s.dim(0), tokens = s.dim(1);
                float[] average = new float[tokens];
                java.util.Arrays.fill(average, 1f / tokens);
                float[] ones = new float[tokens];
                java.util.Arrays.fill(ones, 1f);
                // mean over tokens: [B, dim, S] x [1, S]^T -> [B, dim, 1]
                Tensor mean = ops.linear(ops.transpose(x), ops.upload(Shape.of(1, tokens), average), null);
                Tensor global = ops.linear(ops.reshape(mean, Shape.of(b, 1, dim)), p.get("global.weight"), null);
                // broadcast to every token: [B, dim, 1] x [S, 1]^T -> [B, dim, S] -> [B, S, dim]
                Tensor spread = ops.transpose(ops.linear(ops.reshape(global, Shape.of(b, dim, 1)),
                        ops.upload(Shape.of(tokens, 1), ones), null));
                return ops.add(ops.linear(x, p.get("local.weight"), p.get("local.bias")), spread);
            }
        };
    }
}
