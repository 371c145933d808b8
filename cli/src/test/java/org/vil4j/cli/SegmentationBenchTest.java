package org.vil4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vil bench --task segmentation}: a decoder's training steps and forwards, what they move and launch. */
class SegmentationBenchTest {
    private static final int SIDE = 28, CLASSES = 11;

    private static long number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
        assertThat(m.find()).as("%s in %s", key, json).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String bench(Path json, String... options) throws IOException {
        String[] common = {"bench", "--task", "segmentation", "--model", "fmnist-tiny", "--input", "" + SIDE,
                "--batch", "2", "--warmup", "1", "--iterations", "2", "--output", json.toString()};
        String[] all = java.util.Arrays.copyOf(common, common.length + options.length);
        System.arraycopy(options, 0, all, common.length, options.length);
        CliRun run = CliRun.of(all);
        assertThat(run.exitCode()).as(run.err()).isZero();
        return Files.readString(json);
    }

    @Test
    void aTrainingStepMovesOnlyTheImagesTheLogitsAndTheirGradient(@TempDir Path dir) throws IOException {
        String text = bench(dir.resolve("java.json"), "--train", "--decoder-channels", "8", "--backend", "java");
        // the logits of the main and the auxiliary head side by side, down for the host's loss and their gradient
        // up; the resampling matrices are kept on the device after the first step, not uploaded at each
        long logits = 2L * SIDE * SIDE * 2 * CLASSES * 4;
        assertThat(text).contains("\"task\": \"segmentation\"").contains("\"mode\": \"train\"")
                .contains("\"decoder\": \"upernet\"").contains("\"decoder_channels\": 8")
                .contains("\"input\": \"28x28\"").containsPattern("\"ms_median\": \\d+\\.\\d+");
        assertThat(number(text, "bytes_in_per_step")).isEqualTo(2L * SIDE * SIDE * 4 + logits);
        assertThat(number(text, "bytes_out_per_step")).isEqualTo(logits);
        assertThat(number(text, "launches_per_step")).isZero();
    }

    @Test
    void openClCountsTheLaunchesOfAStepAndOfAForward(@TempDir Path dir) throws IOException {
        String step = bench(dir.resolve("step.json"), "--train", "--backend", "opencl", "--device", "cpu",
                "--profile");
        String forward = bench(dir.resolve("forward.json"), "--backend", "opencl", "--device", "cpu");
        long stepLaunches = number(step, "launches_per_step"), forwardLaunches = number(forward,
                "launches_per_forward");
        assertThat(forwardLaunches).isPositive();
        // the backward and the optimiser come on top of a forward that also runs the auxiliary head
        assertThat(stepLaunches).isGreaterThan(2 * forwardLaunches);
        assertThat(step).contains("\"profile\": [").contains("\"op\": \"adamw_all\"");
        // the forward downloads the logits of the main head only, resized to the image
        assertThat(number(forward, "bytes_out_per_forward")).isEqualTo(2L * SIDE * SIDE * CLASSES * 4);
        assertThat(number(forward, "bytes_in_per_forward")).isEqualTo(2L * SIDE * SIDE * 4);
    }

    @Test
    void badOptionsAreOneLineErrors() {
        CliRun task = CliRun.of("bench", "--task", "detection", "--model", "fmnist-tiny", "--backend", "java");
        assertThat(task.exitCode()).isEqualTo(2);
        assertThat(task.err()).contains("--task detection is neither classification nor segmentation")
                .doesNotContain("\tat ");
        CliRun oblong = CliRun.of("bench", "--task", "segmentation", "--model", "fmnist-tiny", "--input", "28x56",
                "--backend", "java");
        assertThat(oblong.exitCode()).isEqualTo(2);
        assertThat(oblong.err()).contains("square --input").doesNotContain("\tat ");
        CliRun patch = CliRun.of("bench", "--task", "segmentation", "--model", "fmnist-tiny", "--input", "30",
                "--backend", "java");
        assertThat(patch.exitCode()).isEqualTo(2);
        assertThat(patch.err()).contains("--input 30 is not a multiple of fmnist-tiny's patch 7")
                .doesNotContain("\tat ");
        CliRun width = CliRun.of("bench", "--task", "segmentation", "--model", "fmnist-tiny", "--input", "28",
                "--decoder-channels", "0", "--backend", "java");
        assertThat(width.exitCode()).isEqualTo(2);
        assertThat(width.err()).contains("--decoder-channels must be at least 1").doesNotContain("\tat ");
    }
}
