package org.vil4j.heads;

import org.vil4j.api.Head;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/** Averages the first and the last token: [B, D] (ViL v1's pooling). */
public final class BilateralAvgHead implements Head {
    private final FirstAndLastTokens ends = new FirstAndLastTokens();

    @Override
    public String name() {
        return "bilateral_avg";
    }

    @Override
    public String description() {
        return "mean of the first and last token, [B, D] (ViL v1 classification)";
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
        int b = tokens.shape().dim(0), d = tokens.shape().dim(2);
        Tensor pair = ops.reshape(ends.gather(ops, tokens), Shape.of(b, 2 * d));
        Tensor first = ops.columns(pair, 0, d);
        Tensor last = ops.columns(pair, d, d);
        return ops.scale(ops.add(first, last), 0.5f);
    }
}
