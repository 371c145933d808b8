package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.StrictJsonParser;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@code vil compare}: spec parsing, mean and std over seeds, and a tiny comparison end to end (ViL and ViT). */
class CompareCommandTest {
    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    /** compare with a recipe small enough for a test: a 16-wide, one-block model on 128 images, one epoch. */
    private static String[] compare(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("compare", "--out", out.toString()));
        args.addAll(Arrays.asList(more));
        args.addAll(List.of("--data", TrainCommandTest.data.toString(), "--max-train-samples", "128",
                "--max-test-samples", "64", "--epochs", "1", "--batch-size", "32", "--dim", "16", "--depth", "1",
                "--backend", "java", "--loader-threads", "1"));
        return args.toArray(String[]::new);
    }

    @Test
    void specsAreNameEqualsOptions() {
        assertThat(CompareSpec.parse("four_way=--traversal-schedule four_way"))
                .isEqualTo(new CompareSpec("four_way", List.of("--traversal-schedule", "four_way")));
        assertThat(CompareSpec.parse("alternate=").options()).isEmpty();
        assertThat(CompareSpec.parse("vit= --model  vit-fmnist-tiny ").options())
                .containsExactly("--model", "vit-fmnist-tiny");
        assertThatThrownBy(() -> CompareSpec.parse("four_way")).isInstanceOf(Vil4jException.class)
                .hasMessageStartingWith("--spec 'four_way': expected NAME=OPTIONS");
        assertThatThrownBy(() -> CompareSpec.parse("a/b=--dim 8")).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("the name 'a/b' must start with a letter or digit");
        assertThatThrownBy(() -> CompareSpec.parse("a=four_way")).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("--spec a: OPTIONS must begin with an option");
        assertThatThrownBy(() -> CompareSpec.parseAll(List.of("a=", "b=--dim 8", "a=--dim 4")))
                .isInstanceOf(Vil4jException.class).hasMessage("--spec: the name 'a' is given twice");
    }

    @Test
    void badSpecsAndRecipesAreOneLineErrorsNamingTheOption() {
        ImageInputLimitsTest.assertOneLine(CliRun.of(compare(dir, "--spec", "nonsense")), "--spec 'nonsense'");
        ImageInputLimitsTest.assertOneLine(CliRun.of(compare(dir, "--spec", "a=--no-such-option")),
                "--spec a: ", "--no-such-option");
        ImageInputLimitsTest.assertOneLine(CliRun.of(compare(dir, "--spec", "a=--seed 3")),
                "--spec a: --seed is set by vil compare from --seeds");
        ImageInputLimitsTest.assertOneLine(CliRun.of(compare(dir, "--spec", "a=", "--resume")),
                "the recipe (train options): --resume");
        ImageInputLimitsTest.assertOneLine(CliRun.of(compare(dir, "--spec", "a=--model no-such-model")),
                "--spec a: no model named 'no-such-model'", "vit-fmnist-tiny");
        ImageInputLimitsTest.assertOneLine(CliRun.of(compare(dir, "--spec",
                "vit=--model vit-fmnist-tiny --traversal-schedule four_way")),
                "--spec vit: --traversal-schedule is not for model vit-fmnist-tiny (backbone 'vit')");
        ImageInputLimitsTest.assertOneLine(CliRun.of(compare(dir, "--spec", "a=", "--seeds", "1,1")),
                "--seeds [1, 1]: a seed is given twice");
        // nothing ran: no folder of runs
        assertThat(dir.resolve(CompareCommand.RUNS)).doesNotExist();
    }

    @Test
    void summariesAreTheMeanAndSampleStdOverSeeds() {
        List<CompareRun> runs = List.of(run("a", 2, 0.84, 300), run("a", 0, 0.80, 100), run("a", 1, 0.82, 200),
                run("b", 0, 0.5, 50));
        List<SpecSummary> summaries = CompareCommand.summaries(List.of(new CompareSpec("a", List.of())), runs);
        SpecSummary a = summaries.get(0);
        assertThat(a.runs()).isEqualTo(3);
        assertThat(a.accuracyMean()).isCloseTo(0.82, within(1e-12));
        // deviations -0.02, 0, 0.02: sqrt(0.0008 / (3 - 1))
        assertThat(a.accuracyStd()).isCloseTo(0.02, within(1e-12));
        assertThat(a.accuracies()).containsExactly(0.80, 0.82, 0.84); // in seed order
        assertThat(a.imagesPerSecond()).isCloseTo(200, within(1e-9));
        assertThat(a.seconds()).isCloseTo(30, within(1e-9));
        SpecSummary b = summaries.get(1); // a spec kept from an earlier invocation comes after this one's
        assertThat(b.spec()).isEqualTo("b");
        assertThat(b.accuracyStd()).isNaN();
        assertThat(CompareMarkdown.accuracy(a)).isEqualTo("82.00 ± 2.00%");
        assertThat(CompareMarkdown.accuracy(b)).isEqualTo("50.00% (one seed)");
        assertThat(SpecSummary.sampleStd(new double[] {2, 4, 4, 4, 5, 5, 7, 9})).isCloseTo(Math.sqrt(32.0 / 7),
                within(1e-12));
    }

    private static CompareRun run(String spec, long seed, double accuracy, double imagesPerSecond) {
        return new CompareRun(spec, seed, List.of("--seed", Long.toString(seed)), 1, accuracy, 1, 0.5, 1000,
                imagesPerSecond, 10, "cpu", "java");
    }

    @Test
    void comparesAViLAndAViTOverTwoSeedsAndSkipsFinishedRunsWhenRunAgain() throws Exception {
        String[] args = compare(dir, "--spec", "alternate=", "--spec", "vit=--model vit-fmnist-tiny",
                "--seeds", "0,1");
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("== compare 1/4: alternate seed 0: (recipe only)")
                .contains("== compare 4/4: vit seed 1: --model vit-fmnist-tiny");

        Path json = dir.resolve(CompareFile.NAME);
        Map<?, ?> file = (Map<?, ?>) StrictJsonParser.parse(Files.readString(json));
        List<?> runs = (List<?>) file.get("runs");
        assertThat(runs).hasSize(4);
        Map<String, double[]> losses = new java.util.HashMap<>();
        for (Object o : runs) {
            CompareRun r = CompareRun.fromJson((Map<?, ?>) o);
            assertThat(r.backend()).isEqualTo("java");
            assertThat(r.testAccuracy()).isBetween(0.0, 1.0);
            assertThat(r.imagesPerSecond()).isPositive();
            assertThat(r.args()).endsWith("--seed", Long.toString(r.seed()));
            losses.computeIfAbsent(r.spec(), k -> new double[2])[(int) r.seed()] = r.testLoss();
            assertThat(dir.resolve("runs/" + r.spec() + "-seed" + r.seed() + "/metrics.jsonl")).isRegularFile();
        }
        // another seed, other weights and data order: another result
        assertThat(losses.get("alternate")[0]).isNotEqualTo(losses.get("alternate")[1]);
        assertThat(losses.get("vit")[0]).isNotEqualTo(losses.get("vit")[1]);
        List<?> summary = (List<?>) file.get("summary");
        assertThat(summary).hasSize(2);
        assertThat(((Map<?, ?>) summary.get(1)).get("spec")).isEqualTo("vit");

        String table = Files.readString(dir.resolve(CompareCommand.MARKDOWN));
        assertThat(table).contains("| spec | options | parameters | test accuracy (mean ± std) |")
                .containsPattern("\\| alternate \\| \\(recipe only\\) \\| [0-9,]+ \\| \\d+\\.\\d\\d ± \\d+\\.\\d\\d% \\| 2 \\|")
                .contains("| vit | `--model vit-fmnist-tiny` |");
        BufferedImage plot = ImageIO.read(dir.resolve(CompareCommand.PLOT).toFile());
        assertThat(plot.getWidth()).isGreaterThanOrEqualTo(560);

        // again: every run is recorded, nothing trains, the file keeps its runs
        String before = Files.readString(json).replaceAll("\"wall_seconds_of_last_invocation\": [^,]*,", "");
        CliRun again = CliRun.of(args);
        assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("vit seed 1 is in").doesNotContain("training fmnist-tiny");
        assertThat(Files.readString(json).replaceAll("\"wall_seconds_of_last_invocation\": [^,]*,", ""))
                .isEqualTo(before);

        // another recipe into the same folder would mix two comparisons
        List<String> other = new ArrayList<>(Arrays.asList(args));
        other.set(other.indexOf("--epochs") + 1, "2");
        ImageInputLimitsTest.assertOneLine(CliRun.of(other.toArray(String[]::new)), "holds runs of the recipe",
                "use another --out");
    }

    @Test
    void anInterruptedViTRunIsResumedFromItsCheckpointLikeAViLRun() throws IOException {
        List<String> recipe = List.of("--data", TrainCommandTest.data.toString(), "--max-train-samples", "128",
                "--max-test-samples", "64", "--epochs", "2", "--batch-size", "32", "--dim", "16", "--depth", "1",
                "--backend", "java", "--loader-threads", "1");
        List<String> run = new ArrayList<>(List.of("train"));
        run.addAll(recipe);
        run.addAll(List.of("--model", "vit-fmnist-tiny", "--seed", "0"));
        // the run compare would make, cut short after its first epoch (as a kill after the checkpoint would leave it)
        Path runDir = dir.resolve(CompareCommand.RUNS).resolve("vit-seed0");
        List<String> cut = new ArrayList<>(run);
        cut.addAll(List.of("--out", runDir.toString(), "--stop-after", "1"));
        CliRun first = CliRun.of(cut.toArray(String[]::new));
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        Path straight = dir.resolve("straight");
        List<String> whole = new ArrayList<>(run);
        whole.addAll(List.of("--out", straight.toString()));
        assertThat(CliRun.of(whole.toArray(String[]::new)).exitCode()).isZero();

        List<String> compare = new ArrayList<>(List.of("compare", "--out", dir.toString(), "--spec",
                "vit=--model vit-fmnist-tiny", "--seeds", "0"));
        compare.addAll(recipe);
        CliRun resumed = CliRun.of(compare.toArray(String[]::new));
        assertThat(resumed.exitCode()).as(resumed.out() + resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming after epoch 1");
        org.vil4j.training.TrainingCheckpoint a = org.vil4j.training.TrainingCheckpoint.read(
                straight.resolve(TrainCommand.CHECKPOINT));
        org.vil4j.training.TrainingCheckpoint b = org.vil4j.training.TrainingCheckpoint.read(
                runDir.resolve(TrainCommand.CHECKPOINT));
        assertThat(b.epochsDone()).isEqualTo(2);
        a.tensors().forEach((name, values) -> assertThat(b.tensors().get(name)).as(name).isEqualTo(values));
        assertThat(TrainCommandTest.epochLines(runDir)).hasSize(2);
    }
}
