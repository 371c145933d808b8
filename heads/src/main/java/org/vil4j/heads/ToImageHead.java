package org.vil4j.heads;

import org.vil4j.api.Head;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/** Lays the tokens back on the grid as a feature map [B, D, h, w] (dense prediction, e.g. segmentation). */
public final class ToImageHead implements Head {
    @Override
    public String name() {
        return "to_image";
    }

    @Override
    public String description() {
        return "tokens laid back on the grid as a feature map, [B, D, h, w] (segmentation features)";
    }

    @Override
    public boolean pools() {
        return false;
    }

    @Override
    public int outputDim(int dim) {
        return dim;
    }

    @Override
    public Tensor apply(Ops ops, Tensor tokens, int h, int w) {
        int b = tokens.shape().dim(0), d = tokens.shape().dim(2);
        return ops.reshape(ops.transpose(tokens), Shape.of(b, d, h, w));
    }
}
