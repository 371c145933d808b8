package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.training.TrainingCheckpoint;

/**
 * Fault injection: a training in a child JVM is killed (SIGKILL) at seeded random moments, including during
 * checkpoint writes, and continued with --resume each time; the final weights and optimiser state must equal those
 * of an uninterrupted run bit for bit, and nothing half-written may be left.
 */
class KillAndResumeTest {
    private static final int EPOCHS = 5;

    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    static List<String> options(Path out) {
        return new ArrayList<>(List.of("train", "--data", TrainCommandTest.data.toString(), "--max-train-samples",
                "96", "--max-test-samples", "32", "--epochs", Integer.toString(EPOCHS), "--batch-size", "16",
                "--dim", "16", "--depth", "1", "--backend", "java", "--loader-threads", "1", "--log-every", "1",
                "--out", out.toString()));
    }

    static Process child(List<String> args, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss8m",
                "--add-modules", "jdk.incubator.vector", "-XX:ErrorFile=" + log.getParent().resolve("hs_err_%p.log"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void killedAndResumedRunsEndWhereAnUninterruptedOneEnds(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight");
        CliRun reference = CliRun.of(options(straight).toArray(String[]::new));
        assertThat(reference.exitCode()).as(reference.err()).isZero();

        Path out = dir.resolve("killed");
        Path checkpoint = out.resolve(TrainCommand.CHECKPOINT);
        Random random = new Random(20261201);
        List<String> story = new ArrayList<>();
        boolean finished = false;
        boolean injected = false;
        for (int attempt = 0; attempt < 6 && !finished; attempt++) {
            List<String> args = options(out);
            if (Files.exists(checkpoint)) {
                args.add("--resume");
            }
            if (!injected && Files.exists(checkpoint)) {
                injected = true;
                // what a kill in the middle of a checkpoint write leaves: a partial temporary file beside it
                byte[] whole = Files.readAllBytes(checkpoint);
                Files.write(out.resolve(".checkpoint.safetensors.5eed5eed5eed.tmp"),
                        java.util.Arrays.copyOf(whole, whole.length / 3));
            }
            Path log = dir.resolve("child-" + attempt + ".log");
            Process process = child(args, log);
            // kill at a seeded random point of the training itself, found from the progress lines (not from the
            // clock, which depends on the machine's load): after batch b of epoch e, plus up to 300 ms, which lands
            // in steps, evaluations, checkpoint and metrics writes alike
            int done = Files.exists(checkpoint) ? TrainingCheckpoint.read(checkpoint).epochsDone() : 0;
            int epoch = Math.min(EPOCHS, done + 1 + random.nextInt(Math.max(1, Math.min(2, EPOCHS - done))));
            String target = "epoch " + epoch + "/" + EPOCHS + " batch " + (1 + random.nextInt(5)) + "/";
            long delay = random.nextInt(300);
            long started = System.nanoTime();
            while (process.isAlive() && !Files.readString(log).contains(target)
                    && System.nanoTime() - started < 300_000_000_000L) {
                Thread.sleep(5);
            }
            finished = process.waitFor(delay, TimeUnit.MILLISECONDS);
            if (!finished) {
                process.destroyForcibly();
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } else {
                assertThat(process.exitValue()).as(Files.readString(log)).isZero();
            }
            story.add((finished ? "finished" : "killed " + delay + " ms after '" + target + "'") + ", checkpoint "
                    + (Files.exists(checkpoint) ? "of epoch " + TrainingCheckpoint.read(checkpoint).epochsDone()
                    : "none"));
        }
        if (!finished) {
            List<String> args = options(out);
            if (Files.exists(checkpoint)) {
                args.add("--resume");
            }
            CliRun last = CliRun.of(args.toArray(String[]::new));
            assertThat(last.exitCode()).as(story + last.err()).isZero();
            story.add("finished in-process");
        }

        TrainingCheckpoint expected = TrainingCheckpoint.read(straight.resolve(TrainCommand.CHECKPOINT));
        TrainingCheckpoint actual = TrainingCheckpoint.read(checkpoint);
        assertThat(actual.epochsDone()).as(story.toString()).isEqualTo(EPOCHS);
        assertThat(actual.steps()).isEqualTo(expected.steps());
        assertThat(actual.tensors().keySet()).isEqualTo(expected.tensors().keySet());
        for (Map.Entry<String, float[]> e : expected.tensors().entrySet()) {
            assertThat(actual.tensors().get(e.getKey())).as(e.getKey() + " after " + story)
                    .containsExactly(e.getValue());
        }
        assertThat(story).as("the kills must have interrupted something").anyMatch(s -> s.startsWith("killed"));
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as(story.toString()).noneMatch(n -> n.endsWith(".tmp") || n.equals(RunLock.FILE)
                            || n.startsWith("hs_err"));
        }
        System.out.println("kill-and-resume: " + String.join("; ", story));
    }
}
