package org.vil4j.cli;

import org.vil4j.api.Backbone;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.training.ConfigJson;
import org.vil4j.training.Json;
import org.vil4j.training.Trainer;
import org.vil4j.training.TrainingSettings;
import org.vil4j.training.model.ModelFile;
import org.vil4j.training.model.ModelInfo;
import org.vil4j.training.model.PluginModelSpec;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VilVersion;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The model {@code vil train} trains, resolved from {@code --model}: a ViL config (a training preset or an official
 * name) or a backbone plugin's preset (e.g. {@code vit-fmnist-tiny}), both adapted to the data.
 */
sealed interface TrainedModelChoice {
    /** The name given to {@code --model}. */
    String name();

    /** Fresh weights for {@code seed}. */
    Map<String, HostTensor> initialize(Plugins plugins, long seed);

    /** A trainer of this model on {@code ops}, starting from {@code weights}. */
    Trainer trainer(Ops ops, Plugins plugins, TrainingSettings settings, Map<String, HostTensor> weights);

    /** One line for the log, e.g. {@code ViL v2 dim 64, depth 2, patch 7, 1x28x28 -> 10 classes, alternate}. */
    String summary();

    /** The model as config.json records it. */
    String json();

    /**
     * Writes {@code weights} as a model file with {@code info}, recording the model so that predict and eval rebuild
     * it (a ViL's config, or the backbone plugin's name and spec).
     */
    void writeModelFile(Path file, Plugins plugins, Map<String, float[]> weights, ModelInfo info);

    /** A ViL. */
    record Vil(String name, VilConfig config) implements TrainedModelChoice {
        @Override
        public Map<String, HostTensor> initialize(Plugins plugins, long seed) {
            return VilInitializer.initialize(config, plugins, seed);
        }

        @Override
        public Trainer trainer(Ops ops, Plugins plugins, TrainingSettings settings, Map<String, HostTensor> weights) {
            return new Trainer(ops, plugins, config, settings, weights, "initialisation");
        }

        @Override
        public String summary() {
            VilConfig c = config;
            return String.format(Locale.ROOT, "%s dim %d, depth %d, patch %d, %dx%dx%d -> %d classes, %s",
                    c.version() == VilVersion.V2 ? "ViL v2" : "ViL v1", c.dim(), c.depth(), c.patchSize(),
                    c.channels(), c.height(), c.width(), c.numClasses(), c.schedule());
        }

        @Override
        public String json() {
            return ConfigJson.write(config);
        }

        @Override
        public void writeModelFile(Path file, Plugins plugins, Map<String, float[]> weights, ModelInfo info) {
            ModelFile.write(file, config, weights, info);
        }
    }

    /** A backbone plugin's preset, its spec adapted to the data and the model options. */
    record Plugin(String name, Backbone backbone, ModelSpec spec) implements TrainedModelChoice {
        @Override
        public Map<String, HostTensor> initialize(Plugins plugins, long seed) {
            return backbone.initialize(spec, plugins, seed);
        }

        @Override
        public Trainer trainer(Ops ops, Plugins plugins, TrainingSettings settings, Map<String, HostTensor> weights) {
            return new Trainer(ops, plugins, backbone, spec, settings, weights, "initialisation");
        }

        @Override
        public String summary() {
            return "backbone '" + backbone.name() + "', " + spec.referenceClass() + " " + Json.write(spec.kwargs());
        }

        @Override
        public String json() {
            return PluginModelSpec.of(backbone, spec).json();
        }

        @Override
        public void writeModelFile(Path file, Plugins plugins, Map<String, float[]> weights, ModelInfo info) {
            ModelFile.write(file, PluginModelSpec.of(backbone, spec), plugins, weights, info);
        }
    }
}
