package org.vil4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vil bench}: JSON with the device, and exactly the bytes a forward or a training step must move. */
class BenchCommandTest {
    @Test
    void trainingStepsMoveOnlyTheBatchTheLogitsAndTheirGradient(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("bench.json");
        CliRun run = CliRun.of("bench", "--train", "--model", "fmnist-tiny", "--batch", "8", "--warmup", "1",
                "--iterations", "2", "--backend", "java", "--output", json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        String text = Files.readString(json);
        assertThat(text).contains("\"mode\": \"train\"").contains("\"device\": \"2 Java threads")
                .contains("\"bytes_in_per_step\": " + (8 * 28 * 28 * 4 + 8 * 10 * 4))
                .contains("\"bytes_out_per_step\": " + 8 * 10 * 4)
                .containsPattern("\"ms_median\": \\d+\\.\\d+");
    }

    @Test
    void forwardsMoveOnlyTheInputAndTheOutput(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("bench.json");
        CliRun run = CliRun.of("bench", "--model", "fmnist-tiny", "--batch", "2,4", "--warmup", "1", "--iterations",
                "2", "--backend", "java", "--output", json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(json)).contains("\"batch\": 2").contains("\"batch\": 4")
                .contains("\"bytes_in_per_forward\": " + 4 * 28 * 28 * 4).contains("\"other_bytes_per_forward\": 0");
    }

    @Test
    void badCountsAreAOneLineError() {
        CliRun run = CliRun.of("bench", "--model", "fmnist-tiny", "--iterations", "0", "--backend", "java");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("vil: bench: --warmup").doesNotContain("\tat ");
    }
}
