package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.formats.safetensors.SafetensorsFile;

/** A resume without config.json is checked against the recipe the checkpoint records; metadata is deterministic. */
class ResumeRecipeTest {
    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    static String[] run(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", TrainCommandTest.data.toString(),
                "--max-train-samples", "64", "--max-test-samples", "32", "--epochs", "2", "--batch-size", "32",
                "--dim", "16", "--depth", "1", "--backend", "java", "--loader-threads", "1", "--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void resumingWithoutConfigJsonChecksTheCheckpointsRecipe(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        CliRun first = CliRun.of(run(out, "--stop-after", "1"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        Files.delete(out.resolve(TrainCommand.CONFIG));

        for (String[] other : List.of(new String[] {"--lr", "0.005"}, new String[] {"--drop-path", "0.2"},
                new String[] {"--label-smoothing", "0.2"}, new String[] {"--no-flip"})) {
            List<String> args = new ArrayList<>(List.of(run(out, "--resume")));
            args.addAll(List.of(other));
            CliRun refused = CliRun.of(args.toArray(String[]::new));
            assertThat(refused.exitCode()).as(String.join(" ", other) + ": " + refused.out()).isEqualTo(2);
            assertThat(refused.err().strip()).doesNotContain("\n").contains("--resume: this run's options differ")
                    .contains(out.resolve(TrainCommand.CHECKPOINT).toString());
        }
        CliRun same = CliRun.of(run(out, "--resume"));
        assertThat(same.exitCode()).as(same.err()).isZero();
    }

    @Test
    void resumeTakesTheRunsFolderAsWellAsItsCheckpoint(@TempDir Path dir) {
        Path out = dir.resolve("run");
        CliRun first = CliRun.of(run(out, "--stop-after", "1"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        // --resume RUN_DIR means RUN_DIR/checkpoint.safetensors (the --out given is the same folder)
        List<String> args = new ArrayList<>(List.of(run(out)));
        args.addAll(List.of("--resume", out.toString()));
        CliRun resumed = CliRun.of(args.toArray(String[]::new));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        Map<String, String> meta = SafetensorsFile.open(out.resolve(TrainCommand.CHECKPOINT)).metadata();
        assertThat(meta.get("epochs_done")).isEqualTo("2");
        CliRun missing = CliRun.of(run(dir.resolve("other"), "--resume", dir.resolve("nowhere").toString()));
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err().strip()).doesNotContain("\n").contains("nowhere");
    }

    @Test
    void checkpointMetadataHasItsKeysInAFixedOrder(@TempDir Path dir) {
        Path out = dir.resolve("run");
        CliRun run = CliRun.of(run(out, "--stop-after", "1"));
        assertThat(run.exitCode()).as(run.err()).isZero();
        Map<String, String> meta = SafetensorsFile.open(out.resolve(TrainCommand.CHECKPOINT)).metadata();
        assertThat(meta.get("rng")).isEqualTo("{\"seed\":0,\"step\":2}");
        assertThat(meta.get("settings")).startsWith("{\"epochs\":2,\"batch_size\":32,\"lr\":")
                .contains(",\"optimizer\":\"adamw\",\"recipe\":{\"model\":\"fmnist-tiny\"");
    }
}
