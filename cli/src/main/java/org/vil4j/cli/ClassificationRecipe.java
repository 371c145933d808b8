package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.training.OptimizerSettings;
import org.vil4j.training.TrainingCheckpoint;
import org.vil4j.training.TrainingSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A classification run's recipe (the options that decide its trajectory), as its config.json, checkpoint and model
 * file record it, and the checks that a resumed run asks for the same.
 */
final class ClassificationRecipe {
    private ClassificationRecipe() {
    }

    /** A resumed run must use the options it started with, or it would not end where the original would. */
    static void checkConfigMatches(Path out, TrainCommand.Plan plan) {
        Path file = out.resolve(TrainCommand.CONFIG);
        if (!Files.isRegularFile(file)) {
            return; // a checkpoint without our config.json: the trainer still checks the model and seed
        }
        String saved;
        try {
            saved = Files.readString(file);
        } catch (IOException e) {
            throw new Vil4jException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String recipe = "\"recipe\": " + json(plan);
        if (!saved.contains(recipe)) {
            String was = saved.lines().filter(l -> l.trim().startsWith("\"recipe\"")).findFirst().orElse("?").trim();
            throw new Vil4jException("--resume: this run's options differ from those " + out + " was started with "
                    + "(" + file + "); was " + stripComma(was) + ", now " + recipe);
        }
    }

    /**
     * The checkpoint's own record of the recipe (newer checkpoints hold all of it, older ones epochs, batch size, lr
     * and optimiser) must match this run's: without config.json it is the only check.
     */
    static void checkCheckpointMatches(TrainCommand.Plan plan, TrainingCheckpoint checkpoint, Path file) {
        String recorded = checkpoint.settingsJson();
        if (recorded == null) {
            return;
        }
        String recipe = json(plan);
        if (recorded.contains("\"recipe\":")) {
            if (!recorded.contains("\"recipe\":" + recipe)) {
                String was = recorded.substring(recorded.indexOf("\"recipe\":") + 9, recorded.length() - 1);
                throw new Vil4jException("--resume: this run's options differ from those " + file + " records; was "
                        + was + ", now " + recipe);
            }
            return;
        }
        Map<?, ?> old = RunMetrics.parse(recorded);
        if (old == null) {
            return;
        }
        TrainingSettings s = plan.settings();
        List<String> differ = new ArrayList<>();
        compare(differ, old, "epochs", "--epochs", s.epochs());
        compare(differ, old, "batch_size", "--batch-size", s.batchSize());
        compare(differ, old, "lr", "--lr", s.learningRate());
        if (old.get("optimizer") != null && !old.get("optimizer").toString().equals(s.optimizer().kind())) {
            differ.add("--optimizer " + s.optimizer().kind() + " (checkpoint: " + old.get("optimizer") + ")");
        }
        if (!differ.isEmpty()) {
            throw new Vil4jException("--resume: this run's options differ from those " + file + " records: "
                    + String.join(", ", differ));
        }
    }

    private static void compare(List<String> differ, Map<?, ?> recorded, String key, String option, double now) {
        double was = RunMetrics.number(recorded, key);
        if (!Double.isNaN(was) && was != now) {
            differ.add(option + " " + (now == Math.rint(now) ? Long.toString((long) now) : Double.toString(now))
                    + " (checkpoint: " + (was == Math.rint(was) ? Long.toString((long) was) : Double.toString(was))
                    + ")");
        }
    }

    private static String stripComma(String s) {
        return s.endsWith(",") ? s.substring(0, s.length() - 1) : s;
    }

    /** What decides the trajectory of a run (not the threads, logging or backend), as JSON. */
    static String json(TrainCommand.Plan plan) {
        return TrainCommand.json(map(plan));
    }

    /** The same as a map: the model file's provenance holds it. */
    static Map<String, Object> map(TrainCommand.Plan plan) {
        TrainingSettings s = plan.settings();
        OptimizerSettings o = s.optimizer();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", plan.model().name());
        m.put("dataset", plan.data().name());
        m.put("train_samples", plan.data().train().size());
        m.put("epochs", s.epochs());
        m.put("batch_size", s.batchSize());
        m.put("lr", s.learningRate());
        m.put("min_lr", s.minLearningRate());
        m.put("warmup", s.warmupFraction());
        m.put("label_smoothing", s.labelSmoothing());
        m.put("optimizer", o.kind());
        m.put("weight_decay", o.weightDecay());
        m.put("no_decay", o.decayExclusion().name().toLowerCase(Locale.ROOT));
        m.put("momentum", o.momentum());
        m.put("nesterov", o.nesterov());
        m.put("clip_grad_norm", o.clipGradNorm());
        m.put("layer_decay", o.layerwiseLrDecay());
        m.put("drop_path", s.dropPath());
        m.put("drop_path_decay", s.dropPathDecay());
        m.put("ema", s.emaDecay());
        m.put("crop_padding", plan.cropPadding());
        m.put("flip", plan.flip());
        m.put("seed", s.seed());
        return m;
    }
}
