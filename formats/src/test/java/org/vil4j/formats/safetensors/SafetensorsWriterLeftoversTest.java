package org.vil4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Shape;

/** A writer killed between creating its temporary file and the rename leaves it behind: the next write removes it. */
class SafetensorsWriterLeftoversTest {
    @Test
    void staleTemporariesOfTheTargetAreRemovedAtTheNextWrite(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("checkpoint.safetensors");
        Path stale = Files.writeString(dir.resolve(".checkpoint.safetensors.1f2e3d4c5b6a7980.tmp"), "half");
        Path other = Files.writeString(dir.resolve(".other.safetensors.1f2e3d4c5b6a7980.tmp"), "not ours");
        Path lookalike = Files.writeString(dir.resolve(".checkpoint.safetensors.notHex.tmp"), "not ours");

        new SafetensorsWriter().putF32("w", Shape.of(2), new float[] {1, 2}).write(target);

        assertThat(stale).doesNotExist();
        assertThat(other).exists();
        assertThat(lookalike).exists();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "checkpoint.safetensors", other.getFileName().toString(), lookalike.getFileName().toString());
        }
    }

    @Test
    void aFailedRenameLeavesNoTemporary(@TempDir Path dir) throws IOException {
        Path target = Files.createDirectories(dir.resolve("occupied.safetensors"));
        Files.writeString(target.resolve("inside"), "x"); // a non-empty directory cannot be replaced

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SafetensorsWriter()
                .putF32("w", Shape.of(1), new float[] {1}).write(target)).hasMessageContaining(target.toString());

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("occupied.safetensors");
        }
    }
}
