package com.example.vil4j.head;

import org.vil4j.api.Head;
import org.vil4j.api.Ops;
import org.vil4j.api.ParameterSet;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * An example third-party head with a weight, in one class: the mean of all tokens scaled per channel by a learned
 * {@code gate [dim]} (initialised to one), {@code [B, D]}. A backbone stores the gate under its head prefix
 * ({@code pooling.gate} in a ViL) and sizes its classifier by {@link #outputDim}.
 */
public final class GatedMeanHead implements Head {
    @Override
    public String name() {
        return "example_gated_mean";
    }

    @Override
    public String description() {
        return "example plugin: the token mean times a learned per-channel gate, [B, D]";
    }

    @Override
    public boolean pools() {
        return true;
    }

    @Override
    public int outputDim(int dim) {
        return dim;
    }

    @Override
    public Map<String, Shape> parameters(int dim) {
        return Map.of("gate", Shape.of(dim));
    }

    @Override
    public float[] initialValues(String name, Shape shape, SplittableRandom random) {
        float[] v = new float[shape.size()];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    @Override
    public Tensor apply(Ops ops, ParameterSet params, Tensor tokens, int h, int w) {
        Shape s = tokens.shape();
        float[] average = new float[s.dim(1)];
        java.util.Arrays.fill(average, 1f / s.dim(1));
        // [B, D, S] x [1, S]^T = [B, D, 1]: the mean over tokens
        Tensor mean = ops.linear(ops.transpose(tokens), ops.upload(Shape.of(1, s.dim(1)), average), null);
        return ops.scaleChannels(ops.reshape(mean, Shape.of(s.dim(0), s.dim(2))), params.get("gate"));
    }

    @Override
    public Tensor apply(Ops ops, Tensor tokens, int h, int w) {
        throw new IllegalStateException(name() + " has a weight: call apply(ops, params, tokens, h, w)");
    }
}
