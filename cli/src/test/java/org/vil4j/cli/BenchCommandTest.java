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
    void trainingStepsWithTheInputOnTheDeviceUploadOnlyTheLogitsGradient(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("bench.json");
        CliRun run = CliRun.of("bench", "--train", "--input-on-device", "--model", "fmnist-tiny", "--batch", "8",
                "--warmup", "1", "--iterations", "2", "--backend", "opencl", "--device", "cpu", "--output",
                json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(json)).contains("\"input_on_device\": true")
                .contains("\"bytes_in_per_step\": " + 8 * 10 * 4).contains("\"bytes_out_per_step\": " + 8 * 10 * 4);
    }

    @Test
    void trainingStepsTakeTheInputSizeAndTheMlstmForm(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("bench.json");
        CliRun run = CliRun.of("bench", "--train", "--model", "fmnist-tiny", "--input", "35x42", "--mlstm-form",
                "chunkwise", "--chunk", "7", "--batch", "2", "--warmup", "1", "--iterations", "1", "--backend",
                "opencl", "--device", "cpu", "--profile", "--output", json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        String text = Files.readString(json);
        assertThat(text).contains("\"input\": \"35x42\"").contains("\"mlstm_form\": \"chunkwise\"")
                .contains("\"bytes_in_per_step\": " + (2 * 35 * 42 * 4 + 2 * 10 * 4))
                // the chunkwise forward and its own backward, not the parallel ones
                .contains("\"op\": \"mlstm_chunk_prep\"").contains("\"op\": \"mlstm_back_rows\"")
                .doesNotContain("\"op\": \"mlstm_backward_rows\"");
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

    private static long number(String json, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
        assertThat(m.find()).as("%s in %s", key, json).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void kernelLaunchesAreCountedOnOpenClAndAreNoneOnJava(@TempDir Path dir) throws IOException {
        Path java = dir.resolve("java.json"), opencl = dir.resolve("opencl.json");
        String[] common = {"bench", "--train", "--model", "fmnist-tiny", "--batch", "2", "--warmup", "1",
                "--iterations", "2"};
        CliRun onJava = CliRun.of(concat(common, "--backend", "java", "--output", java.toString()));
        CliRun onOpenCl = CliRun.of(concat(common, "--backend", "opencl", "--device", "cpu", "--output",
                opencl.toString()));
        assertThat(onJava.exitCode()).as(onJava.err()).isZero();
        assertThat(onOpenCl.exitCode()).as(onOpenCl.err()).isZero();
        assertThat(number(Files.readString(java), "launches_per_step")).isZero();
        // every op of the forward, the backward and the one-launch AdamW: hundreds, the same each step
        long launches = number(Files.readString(opencl), "launches_per_step");
        assertThat(launches).isBetween(100L, 5000L);
        CliRun forward = CliRun.of("bench", "--model", "fmnist-tiny", "--batch", "2", "--warmup", "1",
                "--iterations", "2", "--backend", "opencl", "--device", "cpu", "--output", opencl.toString());
        assertThat(forward.exitCode()).as(forward.err()).isZero();
        assertThat(number(Files.readString(opencl), "launches_per_forward")).isBetween(10L, launches / 2);
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @Test
    void aBatchThatDoesNotFitGetsAnErrorRowAndTheOthersKeepTheirs(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("bench.json");
        String property = "vil4j.opencl.maxArenaMiB";
        System.setProperty(property, "16");
        CliRun run;
        try {
            run = CliRun.of("bench", "--train", "--model", "fmnist-tiny", "--batch", "2,2048", "--warmup", "0",
                    "--iterations", "1", "--recompute-activations", "never", "--backend", "opencl", "--device", "cpu",
                    "--output", json.toString());
        } finally {
            System.clearProperty(property);
        }
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("vil bench: batch 2048: OpenCL backend: ").doesNotContain("\tat ");
        String text = Files.readString(json);
        assertThat(text).contains("\"batch\": 2,").containsPattern("\"ms_median\": \\d+")
                .contains("\"batch\": 2048, \"error\": \"OpenCL backend: ");
    }

    @Test
    void badCountsAreAOneLineError() {
        CliRun run = CliRun.of("bench", "--model", "fmnist-tiny", "--iterations", "0", "--backend", "java");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("vil: bench: --warmup").doesNotContain("\tat ");
    }
}
