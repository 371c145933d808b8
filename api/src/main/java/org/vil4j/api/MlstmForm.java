package org.vil4j.api;

import java.util.Locale;

/**
 * How the mLSTM cell is computed. All three compute the same function (the reference's
 * {@code parallel_stabilized_simple}); they differ in cost: parallel is quadratic in the sequence length (an S x S
 * matrix per head), chunkwise is parallel inside chunks and carries the state (C, n, m) from chunk to chunk, and
 * recurrent takes one token at a time (linear time, constant memory: streaming).
 */
public enum MlstmForm {
    PARALLEL, CHUNKWISE, RECURRENT;

    /** The name used on command lines and in files: {@code parallel}, {@code chunkwise}, {@code recurrent}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The form named {@code id} (as {@link #id()} writes it). */
    public static MlstmForm parse(String id) {
        for (MlstmForm form : values()) {
            if (form.id().equals(id)) {
                return form;
            }
        }
        throw new IllegalArgumentException("unknown mLSTM form '" + id + "' (known: parallel, chunkwise, recurrent)");
    }
}
