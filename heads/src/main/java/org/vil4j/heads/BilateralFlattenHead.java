package org.vil4j.heads;

import org.vil4j.api.Head;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/** Concatenates the first and the last token: [B, 2D] (ViL v2's classifier pooling). */
public final class BilateralFlattenHead implements Head {
    private final FirstAndLastTokens ends = new FirstAndLastTokens();

    @Override
    public String name() {
        return "bilateral_flatten";
    }

    @Override
    public String description() {
        return "first and last token concatenated, [B, 2D] (ViL v2 classification)";
    }

    @Override
    public boolean pools() {
        return true;
    }

    @Override
    public int outputDim(int dim) {
        return 2 * dim;
    }

    @Override
    public Tensor apply(Ops ops, Tensor tokens, int h, int w) {
        Tensor pair = ends.gather(ops, tokens);
        return ops.reshape(pair, Shape.of(tokens.shape().dim(0), 2 * tokens.shape().dim(2)));
    }
}
