package org.vil4j.cli;

import org.vil4j.api.HostTensor;
import org.vil4j.training.model.WeightsFiles;
import org.vil4j.vil.OfficialCheckpointLayout;
import org.vil4j.vil.VilConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The starting weights of a fine-tuning run ({@code vil train --weights}): a published checkpoint, our safetensors
 * or a training checkpoint's {@code param.*}, fitted to the model being trained. The structure must match; the
 * position embedding is resized to this input's grid, and the classifier starts fresh when the class count differs.
 */
final class FineTuneWeights {
    private FineTuneWeights() {
    }

    static Map<String, HostTensor> start(Path file, VilConfig config, Map<String, HostTensor> fresh, PrintStream log) {
        // a training checkpoint's optimiser state and EMA weights are left out by the reader
        WeightsFiles.Contents contents = WeightsFiles.read(file);
        if (contents.plugin() != null) {
            throw new org.vil4j.api.Vil4jException("--weights " + file + ": holds a model of backbone plugin '"
                    + contents.plugin().backbone() + "', not a ViL; fine-tuning starts from ViL weights");
        }
        Map<String, HostTensor> raw = contents.weights();
        int classes = contents.config() != null ? contents.config().numClasses()
                : OfficialCheckpointLayout.describe(raw, file.toString()).numClasses();
        VilConfig asSaved = new VilConfig(config.version(), config.dim(), config.depth(), config.patchSize(),
                config.stride(), config.channels(), config.height(), config.width(), classes, config.pooling(),
                config.legacyNorm(), config.convKind(), config.convKernelSize(), config.projBias(), config.normBias(),
                config.traversals(), config.mixer());
        Map<String, HostTensor> weights = new LinkedHashMap<>(
                OfficialCheckpointLayout.load(raw, asSaved, file.toString()).weights());
        if (classes != config.numClasses()) {
            weights.keySet().removeIf(name -> name.startsWith("head."));
            fresh.forEach((name, t) -> {
                if (name.startsWith("head.")) {
                    weights.put(name, t);
                }
            });
            log.printf("weights: %s; the classifier (%d classes there) is re-initialised for %d classes%n", file,
                    classes, config.numClasses());
        } else {
            log.printf("weights: %s%n", file);
        }
        return weights;
    }
}
