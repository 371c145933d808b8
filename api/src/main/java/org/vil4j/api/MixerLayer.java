package org.vil4j.api;

/**
 * One sequence-mixing layer, as a {@link SequenceMixer} makes it for a backbone: tokens {@code [B, S, dim]} in the
 * order the backbone's traversal chose to tokens of the same shape. It declares its parameters and composes
 * backend ops; it keeps no device state of its own (the backbone uploads the parameters and hands them in).
 */
public interface MixerLayer extends ParameterOwner {
    /**
     * The layer's forward.
     *
     * @param params  this layer's parameters, by the names {@link #parameters()} declares
     * @param x       tokens {@code [B, S, dim]}, in the sub-block's traversal order
     * @param context the token grid and the traversal's tables
     */
    Tensor forward(Ops ops, ParameterSet params, Tensor x, MixerContext context);

    /**
     * {@code residual} plus the layer's forward, rows back in grid order. A layer that ends in a projection may fold
     * the add into it ({@link Residual#addLinear}: one op instead of two, and in place where the backbone allows);
     * the default adds after {@link #forward}.
     */
    default Tensor forwardAdd(Ops ops, ParameterSet params, Tensor x, MixerContext context, Residual residual) {
        return residual.add(ops, forward(ops, params, x, context));
    }
}
