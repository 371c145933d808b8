package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failed commands leave nothing half-made behind. */
class LeftoversTest {
    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    static String[] failingAfterSetup(Path out) {
        // fewer samples than one batch: found once the run's folder and config.json exist
        return new String[] {"train", "--data", TrainCommandTest.data.toString(), "--max-train-samples", "16",
                "--max-test-samples", "16", "--epochs", "1", "--batch-size", "32", "--dim", "16", "--depth", "1",
                "--backend", "java", "--loader-threads", "1", "--out", out.toString()};
    }

    @Test
    void aRunThatFailedAfterSetupRemovesTheFolderItCreated(@TempDir Path dir) {
        Path out = dir.resolve("run");
        CliRun run = CliRun.of(failingAfterSetup(out));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("fewer than one batch");
        assertThat(out).doesNotExist();
    }

    @Test
    void aFolderThatExistedBeforeIsKept(@TempDir Path dir) throws IOException {
        Path out = Files.createDirectories(dir.resolve("mine"));
        Path note = Files.writeString(out.resolve("notes.txt"), "mine");
        CliRun run = CliRun.of(failingAfterSetup(out));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(note).hasContent("mine");
        assertThat(out.resolve(RunLock.FILE)).doesNotExist();
    }

    @Test
    void aFailedDataOrderLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path out = Files.createDirectories(dir.resolve("order.bin"));
        Files.writeString(out.resolve("inside"), "a non-empty folder cannot be replaced");
        CliRun run = CliRun.of("data-order", "--epochs", "1", "--samples", "10", "--out", out.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).doesNotContain("\n").contains(out.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("order.bin");
        }
    }
}
