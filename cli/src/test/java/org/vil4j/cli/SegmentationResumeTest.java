package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.segmentation.SegmentationCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vil train --task segmentation --resume}: an interrupted run resumed ends bit-identical to one in one go. */
class SegmentationResumeTest {
    @TempDir
    static Path shared;
    static Path data;
    static Path whole;
    static Path stopped;
    static CliRun wholeRun;

    static String[] args(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--task", "segmentation", "--data", data.toString(),
                "--canvas", "16", "--item-scale", "0.5,0.6", "--max-items", "2", "--scenes", "32", "--test-scenes",
                "8", "--epochs", "3", "--batch-size", "16", "--dim", "8", "--depth", "1", "--decoder-channels", "4",
                "--seed", "5", "--backend", "java", "--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @BeforeAll
    static void train() throws IOException {
        data = shared.resolve("fmnist");
        TrainCommandTest.writeIdx(data, "train", 160, 1);
        TrainCommandTest.writeIdx(data, "t10k", 64, 2);
        whole = shared.resolve("whole");
        wholeRun = CliRun.of(args(whole));
        stopped = shared.resolve("stopped");
        CliRun first = CliRun.of(args(stopped, "--stop-after", "1"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("stopped after epoch 1 of 3");
    }

    @Test
    void aRunStoppedAndResumedEndsBitIdenticalToOneInOneGo() throws IOException {
        assertThat(wholeRun.exitCode()).as(wholeRun.err()).isZero();
        Path run = shared.resolve("resumed");
        CliRun first = CliRun.of(args(run, "--stop-after", "1"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(SegmentationCheckpoint.read(run.resolve(TrainCommand.CHECKPOINT)).epochsDone()).isEqualTo(1);
        // --resume RUN_DIR (the other forms: --resume FILE, --resume --out RUN_DIR)
        CliRun second = CliRun.of(args(run, "--resume", run.toString()));
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("resuming after epoch 1 of 3", "epoch 2: train loss", "epoch 3: train loss",
                "test mIoU: ").doesNotContain("epoch 1: train loss");

        for (String file : List.of(TrainCommand.MODEL, TrainCommand.CHECKPOINT)) {
            SafetensorsFile a = SafetensorsFile.open(whole.resolve(file)), b = SafetensorsFile.open(run.resolve(file));
            assertThat(b.names()).as(file).containsExactlyElementsOf(a.names());
            for (String name : a.names()) {
                assertThat(b.floats(name)).as(file + " " + name).containsExactly(a.floats(name));
            }
            assertThat(b.metadata()).as(file).isEqualTo(a.metadata());
        }
        assertThat(withoutTimes(run.resolve(TrainCommand.METRICS)))
                .hasSize(3).isEqualTo(withoutTimes(whole.resolve(TrainCommand.METRICS)));
        String table = wholeRun.out().lines().filter(l -> l.startsWith("mIoU ")).findFirst().orElseThrow();
        assertThat(second.out()).contains(table);
    }

    /** The metrics lines without their wall-clock fields. */
    private static List<String> withoutTimes(Path metrics) throws IOException {
        return Files.readAllLines(metrics).stream()
                .map(l -> l.replaceAll(",\"seconds\":[^,}]*", "").replaceAll(",\"images_per_second\":[^,}]*", ""))
                .toList();
    }

    @Test
    void aResumeWithOtherOptionsIsRefusedNamingThem() {
        Path checkpoint = stopped.resolve(TrainCommand.CHECKPOINT);
        for (String[] other : List.of(new String[]{"--lr", "0.005"}, new String[]{"--epochs", "4"},
                new String[]{"--scenes", "48"}, new String[]{"--weight-decay", "0.01"},
                new String[]{"--max-occlusion", "0.5"}, new String[]{"--decoder", "linear"},
                new String[]{"--no-flip"})) {
            List<String> a = new ArrayList<>(List.of(args(stopped, "--resume")));
            int at = a.indexOf(other[0]);
            if (at >= 0 && other.length == 2) {
                a.set(at + 1, other[1]); // an option the run already names: another value
            } else {
                a.addAll(List.of(other));
            }
            CliRun refused = CliRun.of(a.toArray(String[]::new));
            assertThat(refused.exitCode()).as(String.join(" ", other) + ": " + refused.out()).isEqualTo(2);
            assertThat(refused.err().strip()).doesNotContain("\n")
                    .contains("--resume: this run's options differ from those " + checkpoint + " records: "
                            + other[0] + " ");
        }
        assertThat(SegmentationCheckpoint.read(checkpoint).epochsDone()).as("left as it was").isEqualTo(1);
    }

    @Test
    void aFinishedRunIsNotResumed() {
        assertThat(wholeRun.exitCode()).as(wholeRun.err()).isZero();
        CliRun refused = CliRun.of(args(whole, "--resume"));
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err().strip()).doesNotContain("\n").contains(whole.resolve(TrainCommand.CHECKPOINT)
                .toString(), "finished run (3 of 3 epochs done)");
    }

    @Test
    void aMissingOrDamagedCheckpointIsAOneLineError() throws IOException {
        Path empty = shared.resolve("empty");
        Files.createDirectories(empty);
        CliRun missing = CliRun.of(args(empty, "--resume", empty.toString()));
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err().strip()).doesNotContain("\n")
                .contains(empty.resolve(TrainCommand.CHECKPOINT).toString(), "no such segmentation checkpoint");

        Path damaged = shared.resolve("damaged");
        Files.createDirectories(damaged);
        byte[] bytes = Files.readAllBytes(stopped.resolve(TrainCommand.CHECKPOINT));
        Path file = damaged.resolve(TrainCommand.CHECKPOINT);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        CliRun cut = CliRun.of(args(damaged, "--resume", file.toString()));
        assertThat(cut.exitCode()).isEqualTo(2);
        assertThat(cut.err().strip()).doesNotContain("\n").contains(file.toString());

        // another format (same length: the header keeps its size)
        Files.write(file, bytes);
        var meta = SafetensorsFile.open(file).metadata();
        assertThat(meta.get("format")).isEqualTo(SegmentationCheckpoint.FORMAT);
        byte[] other = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace(SegmentationCheckpoint.FORMAT, "vil4j-segmentation-checkpoint-9")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(file, other);
        CliRun wrong = CliRun.of(args(damaged, "--resume"));
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err().strip()).doesNotContain("\n").contains(file.toString(),
                "not a vil4j segmentation checkpoint");
    }

    @Test
    void aFreshRunDoesNotOverwriteOne() {
        CliRun refused = CliRun.of(args(stopped));
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("already holds a run", "--resume");
    }
}
