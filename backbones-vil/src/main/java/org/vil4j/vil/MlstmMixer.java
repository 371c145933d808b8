package org.vil4j.vil;

import org.vil4j.api.MixerLayer;
import org.vil4j.api.MixerSpec;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.SequenceMixer;
import org.vil4j.api.Tensor;

import java.util.List;

/**
 * The matrix-LSTM cell of the reference ({@code parallel_stabilized_simple}), computed in a chosen {@link MlstmForm}
 * or, by default ("auto"), in the form the sequence length calls for on the backend at hand.
 */
public final class MlstmMixer implements SequenceMixer {
    public static final String NAME = "mlstm";
    /** The reference's eps in the normaliser. */
    static final float EPS = 1e-6f;
    /** Tokens a chunk in the chunkwise form, unless chosen. */
    public static final int DEFAULT_CHUNK = 64;
    /**
     * From this many tokens on, "auto" takes the chunkwise form where the backend has it. Java backend, 2 cores, one
     * ViL-T mLSTM (4 heads of 96): see docs/PERFORMANCE.md, "mLSTM forms".
     */
    public static final int AUTO_CHUNKWISE_FROM = 1024;

    private final MlstmForm form;
    private final int chunkSize;

    /** The registered mixer: "auto". */
    public MlstmMixer() {
        this(null, DEFAULT_CHUNK);
    }

    private MlstmMixer(MlstmForm form, int chunkSize) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("mlstm: chunk size " + chunkSize + " must be at least 1");
        }
        this.form = form;
        this.chunkSize = chunkSize;
    }

    /** This mixer computing every sequence in {@code form} (null: auto) with chunks of {@code chunkSize} tokens. */
    public MlstmMixer withForm(MlstmForm form, int chunkSize) {
        return new MlstmMixer(form, chunkSize);
    }

    /** The form a sequence of {@code tokens} runs in on {@code ops}. */
    public MlstmForm formFor(Ops ops, int tokens) {
        if (form != null) {
            return form;
        }
        return tokens >= AUTO_CHUNKWISE_FROM && ops.hasMlstmForm(MlstmForm.CHUNKWISE) ? MlstmForm.CHUNKWISE
                : MlstmForm.PARALLEL;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "matrix LSTM cell (Vision-LSTM's mixer): parallel, chunkwise or recurrent form";
    }

    /** The mLSTM layer of one sub-block ({@link MlstmLayer}), computing its cell in this mixer's form. */
    @Override
    public MixerLayer layer(MixerSpec spec) {
        return new MlstmLayer(this, spec);
    }

    /**
     * The cell from its inputs ({@link Ops#mlstmOfProjections}): q, k from a and v from xm by head-wise projections,
     * both gates from q | k | v; a recorded backward forms them again rather than keeping them.
     */
    public Tensor mixProjections(Ops ops, Tensor a, Tensor xm, List<Tensor> ws, List<Tensor> bs, List<Tensor> gateWs,
                                 List<Tensor> gateBs, int numHeads) {
        return ops.mlstmOfProjections(a, xm, ws, bs, gateWs, gateBs, numHeads, EPS, formFor(ops, a.shape().dim(1)),
                chunkSize);
    }

    /**
     * {@code ops.normSkipGate(mix(...), DH, weight, ...)}: the cell and its output norm with the gate, one op
     * ({@link Ops#mlstmNormSkipGate}) in the parallel form.
     */
    public Tensor mixNormSkipGate(Ops ops, Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads,
                                  Tensor weight, boolean residualWeight, Tensor bias, float normEps, Tensor skip,
                                  Tensor a, Tensor z) {
        if (formFor(ops, q.shape().dim(1)) == MlstmForm.PARALLEL) {
            return ops.mlstmNormSkipGate(q, k, v, igate, fgate, numHeads, EPS, weight, residualWeight, bias, normEps,
                    skip, a, z);
        }
        Tensor h = mix(ops, q, k, v, igate, fgate, numHeads);
        return ops.normSkipGate(h, h.shape().last() / numHeads, weight, residualWeight, bias, normEps, skip, a, z);
    }

    /**
     * The cell alone: q, k, v {@code [B, S, NH*DH]}, input/forget gate pre-activations {@code [B, S, NH]}; returns
     * {@code [B, S, NH*DH]}.
     */
    public Tensor mix(Ops ops, Tensor q, Tensor k, Tensor v, Tensor igate, Tensor fgate, int numHeads) {
        MlstmForm chosen = formFor(ops, q.shape().dim(1));
        if (chosen == MlstmForm.PARALLEL) {
            return ops.mlstm(q, k, v, igate, fgate, numHeads, EPS);
        }
        return ops.mlstm(q, k, v, igate, fgate, numHeads, EPS, chosen, chunkSize);
    }
}
