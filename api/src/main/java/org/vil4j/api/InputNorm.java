package org.vil4j.api;

/**
 * A layer norm a backbone leaves pending on a sub-block's input, for the mixer layer to apply (or to fold into its
 * first projection: {@link Ops#layerNormLinear}, {@link MixerLayer#normForwardAdd}). It stands for
 * {@code layerNorm(x, groupSize, weight, residualWeight, bias, eps)}, then, where {@code order} is given,
 * {@code gatherTokens(..., order)}: the traversal's order, row t of each batch of the result being token
 * {@code order[t]} (zeros where that is -1), as {@link Ops#layerNormGather} computes it.
 *
 * @param order          a one-column table of the traversal's order, or null (the tokens' own order)
 * @param groupSize      features normalised together (x's last dimension: a plain layer norm)
 * @param weight         the scale {@code [C]}, or null
 * @param residualWeight whether the scale is {@code 1 + weight[c]} rather than {@code weight[c]}
 * @param bias           {@code [C]}, or null
 * @param eps            added to the variance inside the square root
 */
public record InputNorm(IndexTable order, int groupSize, Tensor weight, boolean residualWeight, Tensor bias,
                        float eps) {
    /** The norm of x (and its gather) as the ops it stands for: what a layer that does not fold it calls. */
    public Tensor apply(Ops ops, Tensor x) {
        return order == null ? ops.layerNorm(x, groupSize, weight, residualWeight, bias, eps)
                : ops.layerNormGather(x, order, groupSize, weight, residualWeight, bias, eps);
    }
}
