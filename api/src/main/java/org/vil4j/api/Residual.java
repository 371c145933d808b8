package org.vil4j.api;

/**
 * The residual stream a sub-block adds its layer's output to: {@code tensor [B, S, dim]} in grid order, and, where
 * the sub-block visits the tokens in another order, that {@code order} (row t of the layer's output belongs to row
 * order[t]) with its {@code inverse}. {@code reusable}: the backbone gives the tensor up, so the sum may be written
 * into its memory (inference; never while a tape records, which needs the block's input for the backward).
 */
public record Residual(Tensor tensor, IndexTable order, IndexTable inverse, boolean reusable) {
    /** tensor + y, y's rows put back into grid order. */
    public Tensor add(Ops ops, Tensor y) {
        return order == null ? ops.add(tensor, y) : ops.addGatheredTokens(tensor, y, inverse);
    }

    /** tensor + linear(x, w, bias), rows put back into grid order: one op where the backend fuses it. */
    public Tensor addLinear(Ops ops, Tensor x, Tensor w, Tensor bias) {
        return ops.linearAdd(x, w, bias, tensor, order, inverse, reusable);
    }
}
