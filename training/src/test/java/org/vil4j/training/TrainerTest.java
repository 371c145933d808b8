package org.vil4j.training;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.training.data.Batch;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The training loop on the Java backend: it learns, resumes bit-identically, and stops on a non-finite loss. */
class TrainerTest {
    private static final Plugins PLUGINS = Plugins.discover();
    private static Ops ops;

    @BeforeAll
    static void open() {
        ops = PLUGINS.backend("java").open(null);
    }

    @AfterAll
    static void close() {
        ops.close();
    }

    static VilConfig tinyConfig() {
        return VilConfig.fromReference("VisionLSTM2", Map.of("dim", 16, "depth", 1, "patch_size", 4,
                "input_shape", List.of(1, 8, 8), "output_shape", List.of(4), "pooling", "bilateral_flatten",
                "legacy_norm", true));
    }

    static TrainingSettings settings(int epochs, double lr, double ema) {
        return new TrainingSettings(epochs, 8, lr, 1e-5, 0.1, 0.1, OptimizerSettings.adamw(0.05).withClipGradNorm(5),
                0.1, true, ema, 7, 1, 16, 0);
    }

    private Trainer trainer(TrainingSettings settings) {
        VilConfig config = tinyConfig();
        Map<String, HostTensor> init = VilInitializer.initialize(config, 3);
        return new Trainer(ops, PLUGINS, config, settings, init, "init");
    }

    @Test
    void learnsASeparableProblem() {
        SyntheticData train = new SyntheticData(96, 8, 4, 8, 1);
        SyntheticData test = new SyntheticData(32, 8, 4, 8, 2);
        Trainer trainer = trainer(settings(4, 3e-3, 0));
        double before = trainer.evaluate(test)[1];
        List<EpochMetrics> history = trainer.run(train, test, null, new Trainer.Listener() { });
        assertThat(history).hasSize(4);
        assertThat(history.get(3).trainLoss()).isLessThan(history.get(0).trainLoss());
        assertThat(history.get(3).testAccuracy()).as("accuracy before training was %s", before).isGreaterThan(0.9);
    }

    @Test
    void resumingFromACheckpointEndsBitIdentical(@TempDir Path dir) {
        SyntheticData train = new SyntheticData(48, 8, 4, 8, 1);
        SyntheticData test = new SyntheticData(16, 8, 4, 8, 2);
        Trainer straight = trainer(settings(3, 2e-3, 0.9));
        straight.run(train, test, dir.resolve("straight.safetensors"), new Trainer.Listener() { });

        Trainer first = trainer(settings(3, 2e-3, 0.9));
        Path checkpoint = dir.resolve("resumed.safetensors");
        // an interrupted run: stop after the first epoch's checkpoint (the schedule still spans three)
        first.run(train, test, checkpoint, new Trainer.Listener() { }, 1);
        assertThat(first.epochsDone()).isEqualTo(1);
        Trainer resumed = trainer(settings(3, 2e-3, 0.9));
        resumed.resume(TrainingCheckpoint.read(checkpoint), checkpoint);
        assertThat(resumed.epochsDone()).isEqualTo(1);
        resumed.run(train, test, checkpoint, new Trainer.Listener() { });

        TrainingCheckpoint a = TrainingCheckpoint.read(dir.resolve("straight.safetensors"));
        TrainingCheckpoint b = TrainingCheckpoint.read(checkpoint);
        assertThat(b.steps()).isEqualTo(a.steps());
        assertThat(b.tensors().keySet()).isEqualTo(a.tensors().keySet()).anyMatch(k -> k.startsWith("ema."))
                .anyMatch(k -> k.startsWith("optim."));
        a.tensors().forEach((name, values) -> assertThat(b.tensors().get(name)).as(name).containsExactly(values));
    }

    @Test
    void aNonFiniteLossStopsTheRunAndKeepsTheLastCheckpoint(@TempDir Path dir) throws Exception {
        SyntheticData test = new SyntheticData(16, 8, 4, 8, 2);
        SyntheticData poisoned = new SyntheticData(32, 8, 4, 8, 1) {
            @Override
            public Iterator<Batch> open(int epoch, int startBatch) {
                Iterator<Batch> inner = super.open(epoch, startBatch);
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return inner.hasNext();
                    }

                    @Override
                    public Batch next() {
                        Batch b = inner.next();
                        if (epoch == 1 && b.index() == 2) {
                            b.images()[5] = Float.NaN;
                        }
                        return b;
                    }
                };
            }
        };
        Path checkpoint = dir.resolve("run.safetensors");
        Path afterFirstEpoch = dir.resolve("after-epoch-1");
        Trainer trainer = trainer(settings(3, 2e-3, 0));
        assertThatThrownBy(() -> trainer.run(poisoned, test, checkpoint, new Trainer.Listener() {
            @Override
            public void epoch(EpochMetrics metrics) {
                try {
                    Files.copy(checkpoint, afterFirstEpoch);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        })).isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("NaN at step 7 (epoch 2, batch 3");
        assertThat(Files.readAllBytes(checkpoint)).isEqualTo(Files.readAllBytes(afterFirstEpoch));
        assertThat(TrainingCheckpoint.read(checkpoint).epochsDone()).isEqualTo(1);
    }

    @Test
    void recomputingActivationsGivesTheSameTraining(@TempDir Path dir) {
        SyntheticData train = new SyntheticData(48, 8, 4, 8, 1);
        SyntheticData test = new SyntheticData(16, 8, 4, 8, 2);
        Trainer plain = trainer(settings(2, 2e-3, 0.9));
        plain.run(train, test, dir.resolve("plain.safetensors"), new Trainer.Listener() { });
        Trainer recomputing = trainer(settings(2, 2e-3, 0.9));
        recomputing.setRecomputeActivations(true);
        recomputing.run(train, test, dir.resolve("recomputed.safetensors"), new Trainer.Listener() { });
        TrainingCheckpoint a = TrainingCheckpoint.read(dir.resolve("plain.safetensors"));
        TrainingCheckpoint b = TrainingCheckpoint.read(dir.resolve("recomputed.safetensors"));
        assertThat(b.tensors().keySet()).isEqualTo(a.tensors().keySet());
        a.tensors().forEach((name, values) -> {
            float[] other = b.tensors().get(name);
            for (int i = 0; i < values.length; i++) {
                assertThat(other[i]).as("%s[%d]", name, i).isCloseTo(values[i],
                        org.assertj.core.api.Assertions.within(1e-6f * Math.max(1f, Math.abs(values[i]))));
            }
        });
    }
    @Test
    void aBatchWhoseImagesAreOnTheDeviceTrainsOnThatCopy() {
        Batch batch = new SyntheticData(8, 8, 4, 8, 1).open(0, 0).next();
        org.vil4j.api.Shape shape = org.vil4j.api.Shape.of(batch.size(), batch.channels(), batch.height(),
                batch.width());
        for (boolean recompute : new boolean[]{false, true}) {
            Trainer uploading = trainer(settings(1, 2e-3, 0));
            Trainer resident = trainer(settings(1, 2e-3, 0));
            Trainer stale = trainer(settings(1, 2e-3, 0));
            for (Trainer t : List.of(uploading, resident, stale)) {
                t.setRecomputeActivations(recompute);
            }
            resident.trainOnResidentImages(batch.images(), ops.parameter(shape, batch.images()));
            // a device copy unlike the array shows that a step reads the copy, not the array
            stale.trainOnResidentImages(batch.images(), ops.parameter(shape, new float[shape.size()]));
            for (int step = 0; step < 3; step++) {
                double want = uploading.step(batch, 2e-3);
                assertThat(resident.step(batch, 2e-3)).as("recompute %s, step %d", recompute, step).isEqualTo(want);
                assertThat(stale.step(batch, 2e-3)).as("recompute %s, step %d", recompute, step).isNotEqualTo(want);
            }
        }
    }
}
