package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.vil.VilConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks {@code vil bench}'s options before anything runs: one-line errors instead of traces or nonsense rows. */
final class BenchChecks {
    private BenchChecks() {
    }

    private static int[] input(VilConfig config) {
        return new int[]{config.channels(), config.height(), config.width()};
    }

    static void check(BenchCommand bench, org.vil4j.api.Plugins plugins) {
        if (bench.warmup < 0 || bench.iterations < 1) {
            throw new Vil4jException("bench: --warmup must be >= 0 and --iterations >= 1");
        }
        if (!bench.task.equals("classification") && !bench.task.equals("segmentation")) {
            throw new Vil4jException("bench: --task " + bench.task + " is neither classification nor segmentation");
        }
        var plugin = BackbonePresets.find(plugins, bench.model);
        if (plugin.isPresent() && bench.task.equals("segmentation")) {
            throw new Vil4jException("bench: --task segmentation is for ViL presets; " + bench.model + " is a "
                    + plugin.get().backbone().name() + " preset");
        }
        int[] in = plugin.isPresent()
                ? plugin.get().atInput(org.vil4j.training.model.WeightsFiles.parseSize(bench.input)).input()
                : input(TrainingPresets.get(bench.model).model());
        if (plugin.isPresent() && bench.train) {
            throw new Vil4jException("bench: --train is for ViL presets; " + bench.model + " is a "
                    + plugin.get().backbone().name() + " preset (its forwards are timed)");
        }
        long perImage = (long) in[0] * in[1] * in[2];
        long maxBatch = (Integer.MAX_VALUE - 8) / perImage;
        if (bench.batches == null || bench.batches.length == 0) {
            throw new Vil4jException("bench: --batch needs at least one batch size");
        }
        for (int batch : bench.batches) {
            if (batch < 1 || batch > maxBatch) {
                throw new Vil4jException("bench: --batch " + batch + " must be between 1 and " + maxBatch + " for "
                        + bench.model + " (" + in[0] + "x" + in[1] + "x" + in[2]
                        + " inputs: a batch is one Java array)");
            }
        }
        if (bench.output != null) {
            Path target = bench.output.toAbsolutePath();
            Path parent = target.getParent();
            if (Files.isDirectory(target)) {
                throw new Vil4jException("bench: --output " + bench.output + " is a directory");
            }
            if (parent == null || !Files.isDirectory(parent)) {
                throw new Vil4jException("bench: --output " + bench.output + ": the folder " + parent
                        + " does not exist");
            }
            if (!Files.isWritable(parent) || Files.exists(target) && !Files.isWritable(target)) {
                throw new Vil4jException("bench: --output " + bench.output + " cannot be written (no write "
                        + "permission)");
            }
        }
    }
}
