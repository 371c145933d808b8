package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vil4j.api.Plugins;
import org.vil4j.training.TrainingCheckpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vil train --traversal-schedule NAME} trains (forward and backward) with every shipped traversal. */
class TrainTraversalScheduleTest {
    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    static List<String> schedules() {
        List<String> names = new ArrayList<>(Plugins.discover().traversals().keySet());
        assertThat(names).as("shipped traversals").hasSizeGreaterThanOrEqualTo(12);
        names.add("four_way");
        names.add("snake_rows,hilbert");
        return names;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedules")
    void trainsWithTheSchedule(String schedule, @TempDir Path out) {
        CliRun run = CliRun.of("train", "--data", TrainCommandTest.data.toString(), "--max-train-samples", "64",
                "--max-test-samples", "32", "--epochs", "1", "--batch-size", "32", "--dim", "16", "--depth", "2",
                "--patch", "4", "--backend", "java", "--loader-threads", "1", "--traversal-schedule", schedule,
                "--out", out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        TrainingCheckpoint checkpoint = TrainingCheckpoint.read(out.resolve("checkpoint.safetensors"));
        assertThat(checkpoint.config().traversals()).hasSize(4);
        if (!schedule.contains(",") && !schedule.equals("four_way")) {
            assertThat(checkpoint.config().traversals()).containsOnly(schedule);
        }
        assertThat(checkpoint.tensors().get("param.head.weight")).doesNotContain(Float.NaN);
    }
}
