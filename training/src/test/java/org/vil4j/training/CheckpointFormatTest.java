package org.vil4j.training;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Shape;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.safetensors.SafetensorsWriter;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A file that is not a training checkpoint, or a broken one, is refused by name. */
class CheckpointFormatTest {
    @Test
    void anOrdinarySafetensorsFileIsNotACheckpoint(@TempDir Path dir) {
        Path file = dir.resolve("weights.safetensors");
        new SafetensorsWriter().putF32("head.weight", Shape.of(2), new float[2]).write(file);
        assertThatThrownBy(() -> TrainingCheckpoint.read(file)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("not a vil4j training checkpoint");
    }

    @Test
    void aCheckpointWithABrokenConfigIsRefused(@TempDir Path dir) {
        Path file = dir.resolve("broken.safetensors");
        new SafetensorsWriter().metadata("format", TrainingCheckpoint.FORMAT).metadata("config", "{\"dim\": 16}")
                .putF32("param.head.weight", Shape.of(2), new float[2]).write(file);
        assertThatThrownBy(() -> TrainingCheckpoint.read(file)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("model config");
    }
}
