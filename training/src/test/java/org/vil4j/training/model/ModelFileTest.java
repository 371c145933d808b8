package org.vil4j.training.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.training.OptimizerSettings;
import org.vil4j.training.Trainer;
import org.vil4j.training.TrainingSettings;
import org.vil4j.training.data.FashionMnist;
import org.vil4j.training.data.Normalisation;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Model files carry config, plugins, preprocessing, class names and provenance; every weights file kind loads. */
class ModelFileTest {
    @TempDir
    Path dir;

    /** A 1-channel model on a non-default schedule: what the reader must not lose. */
    static VilConfig hilbertGrey() {
        return VilConfig.fromReference("VisionLSTM2", Map.of("dim", 16, "depth", 1, "patch_size", 7,
                "input_shape", List.of(1, 28, 28), "output_shape", List.of(10), "pooling", "bilateral_flatten",
                "legacy_norm", false)).withSchedule("hilbert");
    }

    static ModelInfo fashionInfo() {
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("dataset", "fashion-mnist");
        provenance.put("epoch", 3);
        provenance.put("test_accuracy", 0.875);
        return new ModelInfo(Preprocessing.training(Normalisation.FASHION_MNIST, 28, 28), FashionMnist.CLASS_NAMES,
                provenance);
    }

    private static Map<String, float[]> weights(VilConfig config, long seed) {
        return ModelFile.arrays(VilInitializer.initialize(config, seed));
    }

    @Test
    void aModelFileLoadsWithoutAPresetAndKeepsItsScheduleAndInfo() {
        VilConfig config = hilbertGrey();
        Map<String, float[]> w = weights(config, 1);
        Path file = dir.resolve("model.safetensors");
        ModelFile.write(file, config, w, fashionInfo());

        WeightsFiles.Loaded loaded = WeightsFiles.load(file, null, null);
        assertThat(loaded.kind()).isEqualTo(WeightsFiles.Kind.MODEL_FILE);
        assertThat(loaded.config()).isEqualTo(config);
        assertThat(loaded.config().traversals()).containsOnly("hilbert");
        assertThat(loaded.note()).isNull();
        ModelInfo info = loaded.info();
        assertThat(info.preprocessing()).isEqualTo(Preprocessing.training(Normalisation.FASHION_MNIST, 28, 28));
        assertThat(info.preprocessing().channels()).isEqualTo(1);
        assertThat(info.preprocessing().mean()).containsExactly(0.2860f);
        assertThat(info.classNames()).hasSize(10).startsWith("T-shirt/top", "Trouser");
        assertThat(info.provenance()).containsEntry("dataset", "fashion-mnist").containsKeys("epoch", "test_accuracy");
        w.forEach((name, values) -> assertThat(loaded.weights().get(name).data()).as(name).containsExactly(values));
        assertThat(SafetensorsFile.open(file).metadata().get("plugins")).isEqualTo("{\"traversal\":[\"hilbert\"],"
                + "\"mixer\":[\"mlstm\"],\"head\":[\"bilateral_flatten\"],\"traversal_schedule\":\"hilbert\"}");
    }

    @Test
    void identicalModelsGiveByteIdenticalFiles() {
        VilConfig config = hilbertGrey();
        byte[] a = ModelFile.bytes(config, weights(config, 1), fashionInfo());
        byte[] b = ModelFile.bytes(config, weights(config, 1), fashionInfo());
        byte[] other = ModelFile.bytes(config, weights(config, 2), fashionInfo());
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(other);
    }

    @Test
    void aTrainingCheckpointGivesItsModelWeightsAndSaysSo() {
        VilConfig config = hilbertGrey();
        Map<String, HostTensor> init = VilInitializer.initialize(config, 5);
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        TrainingSettings settings = new TrainingSettings(1, 4, 1e-3, 1e-5, 0, 0, OptimizerSettings.adamw(0.05), 0,
                false, 0.99, 0, 1, 4, 0);
        Map<String, float[]> expected;
        try (Ops ops = Plugins.discover().backend("java").open(null)) {
            Trainer trainer = new Trainer(ops, Plugins.discover(), config, settings, init, "init");
            trainer.writeCheckpoint(checkpoint);
            expected = trainer.weights();
        }
        assertThat(SafetensorsFile.open(checkpoint).names()).anyMatch(n -> n.startsWith("optim."))
                .anyMatch(n -> n.startsWith("ema."));

        WeightsFiles.Loaded loaded = WeightsFiles.load(checkpoint, null, null);
        assertThat(loaded.kind()).isEqualTo(WeightsFiles.Kind.TRAINING_CHECKPOINT);
        assertThat(loaded.config()).isEqualTo(config);
        assertThat(loaded.note()).contains("training checkpoint").contains("param.*");
        assertThat(loaded.weights().keySet()).isEqualTo(expected.keySet());
        expected.forEach((name, v) -> assertThat(loaded.weights().get(name).data()).as(name).containsExactly(v));
    }

    @Test
    void aFileWithoutMetadataLoadsWithAPresetOrItsShapes() {
        VilConfig config = VilConfig.fromReference("VisionLSTM2", Map.of("dim", 16, "depth", 1, "patch_size", 4,
                "input_shape", List.of(3, 16, 16), "output_shape", List.of(5), "pooling", "bilateral_flatten",
                "legacy_norm", true));
        SafetensorsWriter plain = new SafetensorsWriter();
        VilInitializer.initialize(config, 1).forEach((n, t) -> plain.putF32(n, t.shape(), t.data()));
        Path file = dir.resolve("plain.safetensors");
        plain.write(file);
        WeightsFiles.Loaded loaded = WeightsFiles.load(file, null, null);
        assertThat(loaded.kind()).isEqualTo(WeightsFiles.Kind.SAFETENSORS);
        assertThat(loaded.config()).isEqualTo(config);
        assertThat(loaded.info()).isNull();
    }

    @Test
    void brokenMetadataIsATypedOneLineErrorNamingTheFile() throws IOException {
        VilConfig config = hilbertGrey();
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", ModelFile.FORMAT)
                .metadata("config", "{\"dim\": 16");
        VilInitializer.initialize(config, 1).forEach((n, t) -> w.putF32(n, t.shape(), t.data()));
        Path file = dir.resolve("broken.safetensors");
        w.write(file);
        assertThatThrownBy(() -> WeightsFiles.load(file, null, null)).isInstanceOf(Vil4jException.class)
                .hasMessageStartingWith(file.toString()).hasMessageContaining("model config is not valid JSON")
                .matches(e -> !e.getMessage().contains("\n"));
        assertThat(Files.size(file)).isPositive();
    }
}
