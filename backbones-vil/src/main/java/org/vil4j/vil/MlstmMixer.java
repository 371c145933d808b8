package org.vil4j.vil;

import org.vil4j.api.Ops;
import org.vil4j.api.SequenceMixer;
import org.vil4j.api.Tensor;

/** The matrix-LSTM cell in its stabilised parallel form, as the reference's {@code parallel_stabilized_simple}. */
public final class MlstmMixer implements SequenceMixer {
    public static final String NAME = "mlstm";
    /** The reference's eps in the normaliser. */
    static final float EPS = 1e-6f;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "matrix LSTM cell, stabilised parallel form (Vision-LSTM's mixer)";
    }

    @Override
    public Tensor mix(Ops ops, Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads) {
        return ops.mlstm(q, k, v, igate, fgate, numHeads, EPS);
    }
}
