package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --mlstm-form} and {@code --chunk} on predict, eval, train and conformance, and --max-tokens by form. */
class MlstmFormOptionsTest {
    @TempDir
    Path dir;

    @Test
    void conformanceRunsTheCasesInTheChosenForm() {
        CliRun run = CliRun.of("conformance", CliRun.GOLDEN.resolve("vil2-micro.safetensors").toString(),
                CliRun.GOLDEN.resolve("mlstm-cell-plain.safetensors").toString(), "--backend", "java",
                "--mlstm-form", "chunkwise", "--chunk", "5");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("mLSTM form chunkwise (chunk 5)").contains("grad.input").contains(" 0 failed");
    }

    @Test
    void aBadFormOrChunkIsAOneLineErrorNamingTheOption() throws IOException {
        Path image = ImageInputLimitsTest.noisy(dir.resolve("a.png"), "png");
        String weights = CliRun.GOLDEN.resolve("vil2-micro-official-layout.th").toString();
        String[][] commands = {
                {"predict", "--weights", weights, "--backend", "java", image.toString()},
                {"eval", "--weights", weights, "--backend", "java", "--data", dir.toString()},
                {"train", "--backend", "java", "--out", dir.resolve("run").toString()},
                {"conformance", "--backend", "java", CliRun.GOLDEN.resolve("vil2-micro.safetensors").toString()}};
        for (String[] command : commands) {
            ImageInputLimitsTest.assertOneLine(CliRun.of(with(command, "--mlstm-form", "banana")),
                    "--mlstm-form banana", "auto, parallel, chunkwise, recurrent");
            ImageInputLimitsTest.assertOneLine(CliRun.of(with(command, "--chunk", "0")), "--chunk", "at least 1");
        }
        assertThat(dir.resolve("run")).doesNotExist();
    }

    /** 280x280 at patch 4: 4,900 tokens, above the parallel form's 4,096 and below the linear forms' 65,536. */
    @Test
    void maxTokensHoldsTheParallelFormOnlyUnlessGiven() throws IOException {
        Path image = ImageInputLimitsTest.noisy(dir.resolve("a.png"), "png");
        ImageInputLimitsTest.assertOneLine(ImageInputLimitsTest.predict("--input", "280", "--mlstm-form", "parallel",
                image.toString()), "4,900 tokens", "limit of 4,096 in the parallel form", "--max-tokens");
        CliRun chunkwise = ImageInputLimitsTest.predict("--input", "280", "--mlstm-form", "chunkwise",
                image.toString());
        assertThat(chunkwise.exitCode()).as(chunkwise.out() + chunkwise.err()).isZero();
        CliRun auto = ImageInputLimitsTest.predict("--input", "280", "--json", image.toString());
        assertThat(auto.exitCode()).as(auto.out() + auto.err()).isZero();
        // the same probabilities whatever the form
        CliRun recurrent = ImageInputLimitsTest.predict("--input", "280", "--json", "--mlstm-form", "recurrent",
                image.toString());
        double[] a = probabilities(auto.out()), r = probabilities(recurrent.out());
        assertThat(r).hasSize(5).hasSameSizeAs(a);
        for (int i = 0; i < a.length; i++) {
            assertThat(r[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(2e-6));
        }
        ImageInputLimitsTest.assertOneLine(ImageInputLimitsTest.predict("--input", "280", "--mlstm-form", "chunkwise",
                "--max-tokens", "4000", image.toString()), "limit of 4,000 in the chunkwise form");
    }

    /** Training in the chunkwise form (chunks of 3 of 16 tokens) follows the parallel form's run: same losses. */
    @Test
    void trainingInTheChunkwiseFormFollowsTheParallelForm() throws IOException {
        TrainCommandTest.writeIdx(dir.resolve("data"), "train", 64, 1);
        TrainCommandTest.writeIdx(dir.resolve("data"), "t10k", 32, 2);
        double[][] losses = new double[2][];
        String[][] forms = {{"--mlstm-form", "parallel"}, {"--mlstm-form", "chunkwise", "--chunk", "3"}};
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("run" + i);
            CliRun run = CliRun.of(with(new String[] {"train", "--data", dir.resolve("data").toString(),
                    "--max-train-samples", "64", "--max-test-samples", "32", "--epochs", "1", "--batch-size", "16",
                    "--dim", "16", "--depth", "1", "--backend", "java", "--loader-threads", "1", "--log-every", "1",
                    "--out", out.toString()}, forms[i]));
            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            losses[i] = java.util.regex.Pattern.compile("\"kind\":\"step\".*?\"loss\":([0-9.eE+-]+)")
                    .matcher(Files.readString(out.resolve("metrics.jsonl"))).results()
                    .mapToDouble(m -> Double.parseDouble(m.group(1))).toArray();
        }
        assertThat(losses[0]).hasSize(4).hasSameSizeAs(losses[1]);
        assertThat(losses[0][3]).isNotEqualTo(losses[0][0]); // it learns: the steps see updated weights
        for (int s = 0; s < losses[0].length; s++) {
            assertThat(losses[1][s]).isCloseTo(losses[0][s], org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    private static double[] probabilities(String json) {
        return java.util.regex.Pattern.compile("\"probability\":([0-9.]+)").matcher(json).results()
                .mapToDouble(m -> Double.parseDouble(m.group(1))).toArray();
    }

    private static String[] with(String[] command, String... more) {
        String[] args = java.util.Arrays.copyOf(command, command.length + more.length);
        System.arraycopy(more, 0, args, command.length, more.length);
        return args;
    }
}
