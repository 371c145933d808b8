package org.vil4j.api;

/** The operands of {@link Ops#mlstm}: q, k, v and the two gate pre-activations. */
public record MlstmOperands(Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate) {
    /**
     * The operands as column views of one tensor laid out {@code [first columns | q | k | v | igate | fgate]}, q, k
     * and v of equal width (what {@link Ops#headwiseLinearConcatGates} and {@link Ops#convHeadwiseGates} make).
     */
    public static MlstmOperands columnsOf(Ops ops, Tensor all, int first, int igateWidth, int fgateWidth) {
        int width = (all.shape().last() - first - igateWidth - fgateWidth) / 3;
        int gates = first + 3 * width;
        return new MlstmOperands(ops.columns(all, first, width), ops.columns(all, first + width, width),
                ops.columns(all, first + 2 * width, width), ops.columns(all, gates, igateWidth),
                ops.columns(all, gates + igateWidth, fgateWidth));
    }
}
