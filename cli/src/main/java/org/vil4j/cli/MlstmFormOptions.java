package org.vil4j.cli;

import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.Vil4jException;
import org.vil4j.vil.MlstmMixer;
import picocli.CommandLine.Option;

/**
 * {@code --mlstm-form} and {@code --chunk} of train, predict, eval and conformance: how the mLSTM is computed, a
 * runtime choice (the same function in every form; model files and checkpoints do not record it).
 */
final class MlstmFormOptions {
    @Option(names = "--mlstm-form", paramLabel = "FORM", defaultValue = "auto", description = "how the mLSTM is "
            + "computed (same results, other cost): parallel (time and memory quadratic in the tokens), chunkwise "
            + "(parallel inside chunks, state carried: linear), recurrent (one token at a time: linear), or auto: "
            + "chunkwise from " + MlstmMixer.AUTO_CHUNKWISE_FROM + " tokens per image where the backend has it, "
            + "parallel below (default: ${DEFAULT-VALUE})")
    String form = "auto";

    @Option(names = "--chunk", paramLabel = "N", defaultValue = "" + MlstmMixer.DEFAULT_CHUNK, description = "tokens a "
            + "chunk in the chunkwise form (default: ${DEFAULT-VALUE})")
    int chunk = MlstmMixer.DEFAULT_CHUNK;

    /** The chosen form, or null for auto; a one-line error naming the option at fault. */
    MlstmForm form() {
        if (chunk < 1) {
            throw new Vil4jException("--chunk must be at least 1, got " + chunk);
        }
        if ("auto".equals(form)) {
            return null;
        }
        try {
            return MlstmForm.parse(form);
        } catch (IllegalArgumentException e) {
            throw new Vil4jException("--mlstm-form " + form + " is not one of auto, parallel, chunkwise, recurrent");
        }
    }

    /** Whether the options ask for something else than the mixer's default (auto, default chunk). */
    boolean chosen() {
        return form() != null || chunk != MlstmMixer.DEFAULT_CHUNK;
    }

    /**
     * The form a sequence of {@code tokens} runs in on {@code ops} under these options; fails, naming the option,
     * where the backend lacks a chosen form.
     */
    MlstmForm formFor(Ops ops, int tokens) {
        MlstmForm chosen = form();
        if (chosen != null && !ops.hasMlstmForm(chosen)) {
            throw new Vil4jException("--mlstm-form " + chosen.id() + ": the " + ops.backendName() + " backend does "
                    + "not compute the mLSTM in this form");
        }
        return new MlstmMixer().withForm(chosen, chunk).formFor(ops, tokens);
    }
}
