package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilPresets;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training presets of {@code vil train}: a model and the recipe it trains best with. The numbers live here and
 * only here; every one of them can be overridden on the command line. Any {@link VilPresets} name works as a model
 * too (with {@link #GENERIC} as its recipe), adapted to the dataset's input shape and classes.
 */
final class TrainingPresets {
    /**
     * A recipe: the defaults of the training options.
     *
     * @param cropPadding  zero border of the random crop (0: no crop)
     * @param flip         random horizontal flip
     * @param emaDecay     0: EMA off
     */
    record Recipe(int epochs, int batchSize, double learningRate, double minLearningRate, double weightDecay,
                  double warmup, double labelSmoothing, int cropPadding, boolean flip, double dropPath,
                  double emaDecay) {
    }

    /** A named training preset: the model (for its dataset's input) and its recipe. */
    record Preset(String name, String description, VilConfig model, Recipe recipe) {
    }

    /** Fashion-MNIST's input: 1x28x28, ten classes. */
    private static final List<Integer> FMNIST_INPUT = List.of(1, 28, 28);

    /** The recipe for models that are not one of the named presets below. */
    static final Recipe GENERIC = new Recipe(5, 128, 2e-3, 1e-6, 0.05, 0.05, 0.1, 2, true, 0, 0);

    private static final Map<String, Preset> PRESETS = new LinkedHashMap<>();

    static {
        // the default of `vil train`: 5.8 minutes on 2 CPU cores (java backend with the vector API, ~1,100 img/s), 90 s
        // on an H100. After 6 epochs: 87.61% (java, seed 0; 87.77% before the layer-norm sums were interleaved),
        // 87.77% (H100 OpenCL, seed 0); with seed 1: 88.05% (java, scalar loops), 88.25% (H100), and the official
        // PyTorch code on the same data order 87.86%
        add("fmnist-tiny", "patch 7, dim 64, 2 block pairs: the quick default", fmnist(7, 64, 2),
                new Recipe(6, 128, 2e-3, 1e-6, 0.05, 0.05, 0.1, 2, true, 0, 0));
        // the PyTorch anchor configuration of the training issue
        add("fmnist-anchor", "patch 4, dim 64, 4 block pairs: the PyTorch anchor configuration", fmnist(4, 64, 4),
                new Recipe(10, 128, 1e-3, 1e-6, 0.05, 0.05, 0.1, 2, true, 0, 0));
        // the 93% recipe: 93.10% after 36 epochs on an H100 (OpenCL, 16.3 min of training, ~27 s an epoch). On OpenCL its
        // activations are recomputed (--recompute-activations auto): a batch of 256 does not fit one 2 GiB arena.
        add("fmnist-93", "patch 4, dim 96, 4 block pairs, batch 256, 36 epochs with drop-path: 93.1%",
                fmnist(4, 96, 4), new Recipe(36, 256, 2e-3, 1e-6, 0.05, 0.05, 0.1, 2, true, 0.1, 0));
    }

    private TrainingPresets() {
    }

    private static VilConfig fmnist(int patch, int dim, int depth) {
        return VilConfig.fromReference("VisionLSTM2", Map.of("input_shape", FMNIST_INPUT, "output_shape", List.of(10),
                "patch_size", patch, "dim", dim, "depth", depth, "pooling", "bilateral_flatten",
                "legacy_norm", true));
    }

    private static void add(String name, String description, VilConfig model, Recipe recipe) {
        PRESETS.put(name, new Preset(name, description, model, recipe));
    }

    static Map<String, Preset> all() {
        return java.util.Collections.unmodifiableMap(PRESETS);
    }

    /** Whether {@link #get} knows {@code name}: a training preset or a {@link VilPresets} model. */
    static boolean isVil(String name) {
        return PRESETS.containsKey(name) || VilPresets.all().containsKey(name);
    }

    /** A training preset, or a {@link VilPresets} model with the generic recipe. */
    static Preset get(String name) {
        Preset preset = PRESETS.get(name);
        if (preset != null) {
            return preset;
        }
        if (VilPresets.all().containsKey(name)) {
            return new Preset(name, "official " + name, VilPresets.get(name), GENERIC);
        }
        throw new Vil4jException("no model named '" + name + "' for training: the training presets are "
                + String.join(", ", PRESETS.keySet()) + "; the official models are "
                + String.join(", ", new java.util.TreeSet<>(VilPresets.all().keySet())));
    }
}
