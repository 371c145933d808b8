package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad option values: a one-line error naming the option and exit 2, never a trace or a silent nonsense result. */
class OptionErrorsTest {
    private static final Path MICRO_TH = CliRun.GOLDEN.resolve("vil2-micro-official-layout.th");

    @TempDir
    static Path dir;

    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    static CliRun train(String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", TrainCommandTest.data.toString(),
                "--max-train-samples", "64", "--max-test-samples", "32", "--epochs", "1", "--batch-size", "32",
                "--dim", "16", "--depth", "1", "--backend", "java", "--loader-threads", "1"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    static void assertOneLine(CliRun run, String... parts) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(2);
        assertThat(run.err().strip()).as(run.err()).doesNotContain("\n").startsWith("vil: ").contains(parts)
                .doesNotContain("Exception");
    }

    @Test
    void trainingOptionsOutOfRangeAreOneLine() {
        Path out = dir.resolve("never");
        assertOneLine(train("--crop-padding", "-1", "--out", out.toString()), "--crop-padding");
        assertOneLine(train("--pooling", "none", "--out", out.toString()), "pooling none", "classifier");
        assertOneLine(train("--pooling", "to_image", "--out", out.toString()), "pooling to_image", "classifier");
        assertOneLine(train("--warmup", "NaN", "--out", out.toString()), "--warmup", "NaN");
        assertOneLine(train("--drop-path", "NaN", "--out", out.toString()), "--drop-path", "NaN");
        assertOneLine(train("--clip-grad-norm", "NaN", "--out", out.toString()), "--clip-grad-norm", "NaN");
        assertOneLine(train("--lr", "NaN", "--out", out.toString()), "--lr", "NaN");
        assertThat(out).doesNotExist();
    }

    @Test
    void anEmptyTestSplitIsAnErrorNotZeroPercent() throws IOException {
        Path idx = dir.resolve("empty-test");
        TrainCommandTest.writeIdx(idx, "train", 64, 5);
        TrainCommandTest.writeIdx(idx, "t10k", 0, 6);
        Path out = dir.resolve("empty-out");
        CliRun run = CliRun.of("train", "--data", idx.toString(), "--epochs", "1", "--batch-size", "32", "--dim",
                "16", "--depth", "1", "--backend", "java", "--out", out.toString());
        assertOneLine(run, "test split", "empty");
        assertThat(run.out()).doesNotContain("test accuracy");
    }

    @Test
    void benchOptionsAreCheckedBeforeAnythingRuns() throws IOException {
        assertOneLine(CliRun.of("bench", "--batch", "-1", "--backend", "java"), "--batch -1");
        assertOneLine(CliRun.of("bench", "--batch", "0", "--backend", "java"), "--batch 0");
        assertOneLine(CliRun.of("bench", "--batch", "1,100000", "--backend", "java"), "--batch 100000");
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertOneLine(CliRun.of("bench", "--backend", "java", "--output", file.resolve("b.json").toString()),
                "--output", file.resolve("b.json").toString());
        assertOneLine(CliRun.of("bench", "--backend", "java", "--output", dir.toString()), "--output",
                "is a directory");
    }

    @Test
    void traversalPngIntoAnUnwritablePlaceIsOneLine() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        Path png = file.resolve("path.png");
        assertOneLine(CliRun.of("traversal", "show", "hilbert", "--grid", "5x7", "--png", png.toString()),
                "cannot write " + png);
    }

    @Test
    void silentlyAcceptedNonsenseIsRefused() throws IOException {
        Path image = dir.resolve("x.png");
        CheckpointCommandsTest.writeImage(image, 20, 16, 1);
        assertOneLine(CliRun.of("predict", "--weights", MICRO_TH.toString(), "--backend", "java", "--top", "0",
                image.toString()), "--top");
        Files.createDirectories(dir.resolve("data/a"));
        CheckpointCommandsTest.writeImage(dir.resolve("data/a/x.png"), 20, 16, 1);
        assertOneLine(CliRun.of("eval", "--weights", MICRO_TH.toString(), "--backend", "java", "--data",
                dir.resolve("data").toString(), "--limit", "0"), "--limit");
        assertOneLine(CliRun.of("plugins", "--kind", "foo"), "--kind", "foo");
        assertThat(CliRun.of("plugins", "--kind", "head").exitCode()).isZero();
    }
}
