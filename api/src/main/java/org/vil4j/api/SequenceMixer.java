package org.vil4j.api;

/**
 * Mixes a sequence causally along its length: the heart of a sub-block. The reference mixer is "mlstm" (the matrix
 * LSTM cell in its stabilised parallel form).
 */
public interface SequenceMixer {
    /** Stable lower-case name recorded in configurations. */
    String name();

    /** One line for {@code vil plugins}. */
    String description();

    /**
     * q, k, v {@code [B, S, NH*DH]}, input/forget gate pre-activations {@code [B, S, NH]}; returns {@code [B, S, NH*DH]}.
     */
    Tensor mix(Ops ops, Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads);
}
