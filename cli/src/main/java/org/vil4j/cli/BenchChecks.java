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
        var plugin = BackbonePresets.find(plugins, bench.model);
        int[] in = plugin.isPresent() ? plugin.get().input() : input(TrainingPresets.get(bench.model).model());
        if (plugin.isPresent() && (bench.train || bench.input != null)) {
            throw new Vil4jException("bench: --train and --input are for ViL presets; " + bench.model + " is a "
                    + plugin.get().backbone().name() + " preset (forwards at its own input size only)");
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
