package org.vil4j.heads;

import org.vil4j.api.Head;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/** Averages every token: [B, D]. As a product with a row of 1/S, so the tape differentiates it. */
public final class MeanHead implements Head {
    @Override
    public String name() {
        return "mean";
    }

    @Override
    public String description() {
        return "mean of all tokens, [B, D]";
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
    public Tensor apply(Ops ops, Tensor tokens, int h, int w) {
        Shape shape = tokens.shape();
        int b = shape.dim(0), s = shape.dim(1), d = shape.dim(2);
        float[] row = new float[s];
        java.util.Arrays.fill(row, 1f / s);
        Tensor weights = ops.upload(Shape.of(1, s), row);
        Tensor sums = ops.linear(ops.transpose(tokens), weights, null); // [B, D, 1]
        return ops.reshape(sums, Shape.of(b, d));
    }
}
