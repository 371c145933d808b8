package org.vil4j.training;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A backbone plugin's model checkpoints and resumes as a ViL does: the checkpoint records the plugin's name and spec
 * instead of a ViL config, and a resumed run ends bit-identical to an uninterrupted one.
 */
class PluginCheckpointTest {
    private static final Plugins PLUGINS = Plugins.discover();
    private static final TwoLayerBackbone BACKBONE = new TwoLayerBackbone();
    private static final SyntheticData TRAIN = new SyntheticData(48, 8, 4, 8, 1);
    private static final SyntheticData TEST = new SyntheticData(16, 8, 4, 8, 2);
    private static Ops ops;

    @BeforeAll
    static void open() {
        ops = PLUGINS.backend("java").open(null);
    }

    @AfterAll
    static void close() {
        ops.close();
    }

    private static TrainingSettings settings() {
        return TrainingSettings.builder().epochs(3).batchSize(8).learningRate(1e-2).warmup(0.2).ema(0.9)
                .optimizer(OptimizerSettings.adamw(0.05).withClipGradNorm(5)).seed(5).build();
    }

    private static Trainer trainer(ModelSpec spec) {
        return new Trainer(ops, PLUGINS, BACKBONE, spec, settings(), BACKBONE.initialize(spec, PLUGINS, 5), "init");
    }

    @Test
    void resumingAPluginModelEndsBitIdenticalToAnUninterruptedRun(@TempDir Path dir) {
        ModelSpec spec = TwoLayerBackbone.spec(8, 12, 4);
        Path straightFile = dir.resolve("straight.safetensors");
        trainer(spec).run(TRAIN, TEST, straightFile, new Trainer.Listener() { });

        Path checkpoint = dir.resolve("resumed.safetensors");
        Trainer first = trainer(spec);
        first.run(TRAIN, TEST, checkpoint, new Trainer.Listener() { }, 1); // stopped after the first epoch
        TrainingCheckpoint afterOne = TrainingCheckpoint.read(checkpoint);
        assertThat(afterOne.epochsDone()).isEqualTo(1);
        assertThat(afterOne.config()).isNull();
        assertThat(afterOne.plugin().backbone()).isEqualTo("two_layer");
        assertThat(afterOne.plugin().spec().kwargs()).containsEntry("hidden", 12L).containsEntry("side", 8L);

        Trainer resumed = trainer(spec);
        resumed.resume(afterOne, checkpoint);
        assertThat(resumed.epochsDone()).isEqualTo(1);
        assertThat(resumed.steps()).isEqualTo(6);
        resumed.run(TRAIN, TEST, checkpoint, new Trainer.Listener() { });

        TrainingCheckpoint a = TrainingCheckpoint.read(straightFile);
        TrainingCheckpoint b = TrainingCheckpoint.read(checkpoint);
        assertThat(b.steps()).isEqualTo(a.steps()).isEqualTo(18);
        assertThat(b.tensors().keySet()).isEqualTo(a.tensors().keySet()).contains("param." + TwoLayerBackbone.OFFSET,
                "ema.blocks.0.fc.weight").anyMatch(k -> k.startsWith("optim."));
        a.tensors().forEach((name, values) -> assertThat(b.tensors().get(name)).as(name).containsExactly(values));
        // the buffer is saved with the weights but never trained: no optimiser state of its own
        assertThat(b.tensors().keySet()).noneMatch(k -> k.startsWith("optim.") && k.contains(TwoLayerBackbone.OFFSET));
        assertThat(b.shapes()).containsEntry("param.blocks.0.fc.weight", Shape.of(12, 64));
    }

    @Test
    void aCheckpointOfAnotherModelIsRefusedNamingBoth(@TempDir Path dir) {
        Path file = dir.resolve("hidden12.safetensors");
        trainer(TwoLayerBackbone.spec(8, 12, 4)).writeCheckpoint(file);
        TrainingCheckpoint saved = TrainingCheckpoint.read(file);

        assertThatThrownBy(() -> trainer(TwoLayerBackbone.spec(8, 10, 4)).resume(saved, file))
                .isInstanceOf(Vil4jException.class).hasMessageStartingWith(file + ": the checkpoint's model differs")
                .hasMessageContaining("\"hidden\":12").hasMessageContaining("\"hidden\":10")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        VilConfig vil = TrainerTest.tinyConfig();
        Trainer vilTrainer = new Trainer(ops, PLUGINS, vil, settings(), VilInitializer.initialize(vil, 3), "init");
        assertThatThrownBy(() -> vilTrainer.resume(saved, file)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("\"backbone\":\"two_layer\"").hasMessageContaining("\"version\":\"v2\"");
        Path vilFile = dir.resolve("vil.safetensors");
        vilTrainer.writeCheckpoint(vilFile);
        assertThatThrownBy(() -> trainer(TwoLayerBackbone.spec(8, 12, 4)).resume(TrainingCheckpoint.read(vilFile),
                vilFile)).isInstanceOf(Vil4jException.class).hasMessageContaining("differs");
    }

    @Test
    void aTensorOfAnotherShapeIsRefusedNamingIt(@TempDir Path dir) {
        Path file = dir.resolve("checkpoint.safetensors");
        trainer(TwoLayerBackbone.spec(8, 12, 4)).writeCheckpoint(file);
        // the same number of values under another shape: only the recorded shape tells it apart
        SafetensorsFile good = SafetensorsFile.open(file);
        SafetensorsWriter bad = new SafetensorsWriter();
        good.metadata().forEach(bad::metadata);
        for (String name : good.names()) {
            Shape shape = name.equals("param.blocks.0.fc.weight") ? Shape.of(64, 12) : good.entry(name).shape();
            bad.putF32(name, shape, good.floats(name));
        }
        bad.write(file);
        assertThatThrownBy(() -> trainer(TwoLayerBackbone.spec(8, 12, 4)).resume(TrainingCheckpoint.read(file), file))
                .isInstanceOf(Vil4jException.class)
                .hasMessage(file + ": checkpoint does not fit the model: param.blocks.0.fc.weight is [64,12], the "
                        + "model's is [12,64]");
    }

    @Test
    void aCheckpointThatNamesNoModelIsRefused(@TempDir Path dir) {
        Path file = dir.resolve("nameless.safetensors");
        new SafetensorsWriter().metadata("format", TrainingCheckpoint.FORMAT)
                .putF32("param.head.weight", Shape.of(2), new float[2]).write(file);
        assertThatThrownBy(() -> TrainingCheckpoint.read(file)).isInstanceOf(Vil4jException.class)
                .hasMessage(file + ": the checkpoint records no model (neither metadata config nor backbone)");
        Path both = dir.resolve("both.safetensors");
        new SafetensorsWriter().metadata("format", TrainingCheckpoint.FORMAT).metadata("config", "{}")
                .metadata("backbone", "two_layer").metadata("spec", "{\"class\":\"TwoLayer\",\"kwargs\":{}}")
                .putF32("param.head.weight", Shape.of(2), new float[2]).write(both);
        assertThatThrownBy(() -> TrainingCheckpoint.read(both)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("records both a ViL config and backbone plugin 'two_layer'");
    }

    @Test
    void theCheckpointRecordsTheBackbonesNameAndSpecInItsMetadata(@TempDir Path dir) {
        Path file = dir.resolve("checkpoint.safetensors");
        trainer(TwoLayerBackbone.spec(8, 12, 4)).writeCheckpoint(file);
        Map<String, String> meta = SafetensorsFile.open(file).metadata();
        assertThat(meta).containsEntry("format", TrainingCheckpoint.FORMAT).containsEntry("backbone", "two_layer")
                .doesNotContainKey("config");
        assertThat(meta.get("spec")).startsWith("{\"class\":\"TwoLayer\",\"kwargs\":{").contains("\"hidden\":12");
        assertThat(meta.get("rng")).isEqualTo("{\"seed\":5,\"step\":0}");
    }
}
