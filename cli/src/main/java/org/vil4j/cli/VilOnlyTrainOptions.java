package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import picocli.CommandLine.ParseResult;

/**
 * The {@code vil train} options that need a ViL's structure (its traversal schedule, mLSTM, sub-blocks, drop-path)
 * or ViL weights: given for a backbone plugin's model, each is a one-line error naming it, instead of being silently
 * ignored. (Checkpoints, {@code --resume} and {@code --stop-after} work for every model.)
 */
final class VilOnlyTrainOptions {
    private VilOnlyTrainOptions() {
    }

    static void refuse(TrainCommand c, ParseResult given, BackbonePresets.Found model) {
        String who = "model " + model.name() + " (backbone '" + model.backbone().name() + "')";
        refuseIf(given.hasMatchedOption("--traversal-schedule"), "--traversal-schedule", who,
                "traversal schedules order a ViL's sub-blocks");
        refuseIf(c.forms.chosen(), "--mlstm-form/--chunk", who, "it has no mLSTM");
        refuseIf(RecomputeActivations.parse(c.recomputeActivations) == RecomputeActivations.ALWAYS,
                "--recompute-activations", who, "activations are recomputed sub-block by sub-block of a ViL");
        refuseIf(c.dropPath != null && c.dropPath != 0, "--drop-path", who, "drop-path scales a ViL's residuals");
        refuseIf(c.initialWeights != null, "--weights", who, "fine-tuning reads ViL weights only");
    }

    private static void refuseIf(boolean given, String option, String who, String why) {
        if (given) {
            throw new Vil4jException(option + " is not for " + who + ": " + why);
        }
    }
}
