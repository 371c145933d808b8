package org.vil4j.api;

/**
 * A sub-block's input norm, handed to its layer un-applied so that the layer may fold it into its first op
 * ({@link MixerLayer#forwardAddNormed}): layer norm over groups of {@code groupSize} channels ({@code weight} used
 * as 1 + weight where {@code residualWeight}; weight and bias may be null), then, where {@code order} is given, the
 * rows of each batch in that order ({@link Ops#layerNormGather}).
 */
public record InputNorm(IndexTable order, int groupSize, Tensor weight, boolean residualWeight, Tensor bias,
                        float eps) {
    /** The normalised tokens [B, S, dim], in the sub-block's order. */
    public Tensor apply(Ops ops, Tensor x) {
        return order == null ? ops.layerNorm(x, groupSize, weight, residualWeight, bias, eps)
                : ops.layerNormGather(x, order, groupSize, weight, residualWeight, bias, eps);
    }

    /** {@code linear(apply(x), w, bias)}: one op where the backend folds the norm into the product's prologue. */
    public Tensor applyLinear(Ops ops, Tensor x, Tensor w, Tensor linearBias) {
        return ops.layerNormLinear(x, order, groupSize, weight, residualWeight, bias, eps, w, linearBias);
    }
}
