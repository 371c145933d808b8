package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two trainings on one --out: the second fails at once naming the first; a dead process's lock is taken over. */
class TrainRunLockTest {
    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    static String[] oneEpoch(Path out) {
        return new String[] {"train", "--data", TrainCommandTest.data.toString(), "--max-train-samples", "64",
                "--max-test-samples", "32", "--epochs", "1", "--batch-size", "32", "--dim", "16", "--depth", "1",
                "--backend", "java", "--loader-threads", "1", "--out", out.toString()};
    }

    @Test
    void aSecondRunOnTheSameFolderFailsNamingTheFirstProcess(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        Files.createDirectories(out);
        ProcessHandle self = ProcessHandle.current();
        String held = self.pid() + " " + self.info().startInstant().orElseThrow() + "\n";
        Files.writeString(out.resolve(RunLock.FILE), held);

        CliRun run = CliRun.of(oneEpoch(out));

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).doesNotContain("\n")
                .contains("in use by another training run (process " + self.pid() + ",");
        assertThat(out.resolve(TrainCommand.CHECKPOINT)).doesNotExist();
        assertThat(Files.readString(out.resolve(RunLock.FILE))).isEqualTo(held);
    }

    @Test
    void theStaleLockOfAProcessThatEndedIsTakenOver(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        Files.createDirectories(out);
        Process gone = new ProcessBuilder("true").start();
        String start = gone.info().startInstant().map(Object::toString).orElse("?");
        gone.waitFor();
        Files.writeString(out.resolve(RunLock.FILE), gone.pid() + " " + start + "\n");

        CliRun run = CliRun.of(oneEpoch(out));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out.resolve(TrainCommand.CHECKPOINT)).exists();
        assertThat(out.resolve(RunLock.FILE)).as("released at the end").doesNotExist();
    }

    @Test
    void aLockOfTheSamePidButAnotherStartTimeIsStale() {
        ProcessHandle self = ProcessHandle.current();
        assertThat(RunLock.alive(self.pid() + " " + self.info().startInstant().orElseThrow())).isTrue();
        assertThat(RunLock.alive(self.pid() + " 1970-01-01T00:00:00Z")).isFalse();
        assertThat(RunLock.alive("not-a-pid")).isFalse();
    }
}
