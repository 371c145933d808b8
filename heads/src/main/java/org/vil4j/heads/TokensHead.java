package org.vil4j.heads;

import org.vil4j.api.Head;
import org.vil4j.api.Ops;
import org.vil4j.api.Tensor;

/** Hands every token on unchanged: [B, S, D] (the reference's {@code pooling=None}). */
public final class TokensHead implements Head {
    @Override
    public String name() {
        return "none";
    }

    @Override
    public String description() {
        return "all tokens unchanged, [B, S, D] (feature extraction)";
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
        return tokens;
    }
}
