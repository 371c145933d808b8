package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.training.TrainingCheckpoint;
import org.vil4j.training.data.FashionMnist;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vil train} end to end on a tiny model and a few hundred Fashion-MNIST images. */
class TrainCommandTest {
    @TempDir
    static Path shared;

    /** The real Fashion-MNIST when installed, else a small IDX set written here. */
    static Path data;

    @BeforeAll
    static void data() throws IOException {
        if (Files.isRegularFile(FashionMnist.SYSTEM_DIRECTORY.resolve("train-images-idx3-ubyte.gz"))) {
            data = FashionMnist.SYSTEM_DIRECTORY;
        } else {
            data = shared.resolve("fmnist");
            writeIdx(data, "train", 320, 1);
            writeIdx(data, "t10k", 128, 2);
        }
    }

    /** IDX files of a learnable toy problem: class k has a bright horizontal band at row 2k+4. */
    static void writeIdx(Path dir, String prefix, int count, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] labels = new byte[count];
        byte[] pixels = new byte[count * 28 * 28];
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(10);
            labels[i] = (byte) label;
            for (int p = 0; p < 28 * 28; p++) {
                int row = p / 28;
                int v = random.nextInt(60) + (Math.abs(row - (2 * label + 4)) <= 1 ? 180 : 0);
                pixels[i * 28 * 28 + p] = (byte) Math.min(255, v);
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(
                dir.resolve(prefix + "-images-idx3-ubyte")))) {
            out.writeInt(0x00000803);
            out.writeInt(count);
            out.writeInt(28);
            out.writeInt(28);
            out.write(pixels);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(
                dir.resolve(prefix + "-labels-idx1-ubyte")))) {
            out.writeInt(0x00000801);
            out.writeInt(count);
            out.write(labels);
        }
    }

    static String[] tiny(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--max-train-samples", "256",
                "--max-test-samples", "128", "--epochs", "2", "--batch-size", "64", "--dim", "16", "--depth", "1",
                "--backend", "java", "--loader-threads", "1", "--log-every", "2", "--out", out.toString()));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    static List<String> epochLines(Path out) throws IOException {
        return Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .filter(l -> l.startsWith("{\"kind\":\"epoch\"")).toList();
    }

    @Test
    void anyRegisteredMixerAndHeadTrainByName(@TempDir Path out) throws IOException {
        CliRun run = CliRun.of(tiny(out, "--mixer", "attention", "--pooling", "mean"));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("test accuracy: \\d+\\.\\d\\d%");
        TrainingCheckpoint checkpoint = TrainingCheckpoint.read(out.resolve("checkpoint.safetensors"));
        assertThat(checkpoint.config().mixer()).isEqualTo("attention");
        assertThat(checkpoint.config().pooling()).isEqualTo("mean");
        assertThat(checkpoint.tensors()).containsKey("param.blocks.0.rowwise_from_top_left.layer.qkv.weight");

        CliRun unknown = CliRun.of(tiny(out.resolve("other"), "--mixer", "mamba"));
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.err()).contains("mamba").contains("attention").contains("mlstm");
        assertThat(out.resolve("other")).doesNotExist();
    }

    @Test
    void tinyRunWritesMetricsCheckpointConfigAndCurves(@TempDir Path out) throws IOException {
        CliRun run = CliRun.of(tiny(out));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("epoch 2/2: train loss").contains("| epoch | train loss")
                .containsPattern("test accuracy: \\d+\\.\\d\\d% \\(device .*, \\d+\\.\\d min\\)");
        List<String> epochs = epochLines(out);
        assertThat(epochs).hasSize(2);
        assertThat(epochs).allSatisfy(l -> assertThat(l).contains("\"test_accuracy\":"));
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).anySatisfy(l -> assertThat(l)
                .startsWith("{\"kind\":\"step\""));
        TrainingCheckpoint checkpoint = TrainingCheckpoint.read(out.resolve("checkpoint.safetensors"));
        assertThat(checkpoint.epochsDone()).isEqualTo(2);
        assertThat(checkpoint.steps()).isEqualTo(8);
        assertThat(checkpoint.config().dim()).isEqualTo(16);
        assertThat(Files.readString(out.resolve("config.json"))).contains("\"recipe\"").contains("\"model\"");
        BufferedImage curves = ImageIO.read(out.resolve("curves.png").toFile());
        assertThat(curves).isNotNull();
        assertThat(curves.getWidth()).isGreaterThan(100);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("metrics.jsonl",
                    "checkpoint.safetensors", "model.safetensors", "config.json", "curves.png");
        }
    }

    @Test
    void trainsOnIdxFilesInADataFolder(@TempDir Path dir) throws IOException {
        Path idx = dir.resolve("idx");
        writeIdx(idx, "train", 192, 3);
        writeIdx(idx, "t10k", 64, 4);
        CliRun run = CliRun.of("train", "--data", idx.toString(), "--epochs", "1", "--batch-size", "64", "--dim",
                "16", "--depth", "1", "--backend", "java", "--out", dir.resolve("out").toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("192 training / 64 test images").contains("test accuracy:");
        assertThat(epochLines(dir.resolve("out"))).hasSize(1);
    }

    @Test
    void resumedRunEndsBitIdenticalToAnUninterruptedOne(@TempDir Path dir) throws IOException {
        Path straight = dir.resolve("straight");
        Path interrupted = dir.resolve("interrupted");
        assertThat(CliRun.of(tiny(straight)).exitCode()).isZero();

        CliRun first = CliRun.of(tiny(interrupted, "--stop-after", "1"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("stopped after epoch 1 of 2").doesNotContain("test accuracy:");
        assertThat(TrainingCheckpoint.read(interrupted.resolve("checkpoint.safetensors")).epochsDone()).isEqualTo(1);

        CliRun second = CliRun.of(tiny(interrupted, "--resume"));
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("resuming after epoch 1").contains("test accuracy:");

        TrainingCheckpoint a = TrainingCheckpoint.read(straight.resolve("checkpoint.safetensors"));
        TrainingCheckpoint b = TrainingCheckpoint.read(interrupted.resolve("checkpoint.safetensors"));
        assertThat(b.epochsDone()).isEqualTo(a.epochsDone());
        assertThat(b.steps()).isEqualTo(a.steps());
        assertThat(b.tensors().keySet()).isEqualTo(a.tensors().keySet());
        a.tensors().forEach((name, values) -> assertThat(b.tensors().get(name)).as(name).isEqualTo(values));
        // metrics.jsonl was appended to: both epochs are there, with the same test accuracy as the straight run
        List<String> epochs = epochLines(interrupted);
        assertThat(epochs).hasSize(2);
        assertThat(testAccuracy(epochs.get(1))).isEqualTo(testAccuracy(epochLines(straight).get(1)));
    }

    private static String testAccuracy(String line) {
        return line.replaceAll(".*\"test_accuracy\":([^,}]+).*", "$1");
    }

    @Test
    void resumeWithOtherOptionsIsRefused(@TempDir Path out) {
        assertThat(CliRun.of(tiny(out, "--stop-after", "1")).exitCode()).isZero();
        CliRun run = CliRun.of(tiny(out, "--resume", "--lr", "0.01"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("vil: --resume: this run's options differ").hasLineCount(1);
    }

    @Test
    void aFreshRunDoesNotOverwriteAnother(@TempDir Path out) {
        assertThat(CliRun.of(tiny(out, "--stop-after", "1")).exitCode()).isZero();
        CliRun run = CliRun.of(tiny(out));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("already holds a run").contains("--resume").hasLineCount(1);
    }

    @Test
    void missingDataDirectoryIsOneLineWithTheAptHint(@TempDir Path dir) {
        CliRun run = CliRun.of("train", "--data", dir.resolve("nowhere").toString(), "--out",
                dir.resolve("out").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("vil: Fashion-MNIST not found").contains("apt-get install")
                .hasLineCount(1);
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void badOptionValuesAreOneLineErrors(@TempDir Path dir) {
        Path out = dir.resolve("out");
        CliRun optimiser = CliRun.of(tiny(out, "--optimizer", "lion"));
        assertThat(optimiser.exitCode()).isEqualTo(2);
        assertThat(optimiser.err()).startsWith("vil: invalid training option: optimiser must be adamw or sgd")
                .hasLineCount(1);

        CliRun warmup = CliRun.of(tiny(out, "--warmup", "2"));
        assertThat(warmup.err()).startsWith("vil: invalid training option").hasLineCount(1);

        CliRun model = CliRun.of("train", "--data", data.toString(), "--model", "vil2-tiny", "--out", out.toString());
        assertThat(model.exitCode()).isEqualTo(2);
        assertThat(model.err()).contains("not a multiple of the patch size 16").contains("--patch").hasLineCount(1);

        CliRun unknown = CliRun.of(tiny(out, "--model", "fmnist-huge"));
        assertThat(unknown.err()).startsWith("vil: no model named 'fmnist-huge'").contains("fmnist-tiny")
                .hasLineCount(1);

        CliRun schedule = CliRun.of(tiny(out, "--traversal-schedule", "zigzag_nowhere"));
        assertThat(schedule.exitCode()).isEqualTo(2);
        assertThat(schedule.err()).startsWith("vil: ").hasLineCount(1);
        assertThat(out).doesNotExist();
    }

    @Test
    void recomputingActivationsEndsWhereThePlainRunEnds(@TempDir Path out) {
        Path plain = out.resolve("plain");
        Path recomputed = out.resolve("recomputed");
        assertThat(CliRun.of(tiny(plain)).exitCode()).isZero();
        CliRun run = CliRun.of(tiny(recomputed, "--recompute-activations"));
        assertThat(run.exitCode()).as(run.err()).isZero();
        TrainingCheckpoint a = TrainingCheckpoint.read(plain.resolve("checkpoint.safetensors"));
        TrainingCheckpoint b = TrainingCheckpoint.read(recomputed.resolve("checkpoint.safetensors"));
        a.tensors().forEach((name, values) -> {
            float[] other = b.tensors().get(name);
            for (int i = 0; i < values.length; i++) {
                assertThat(Math.abs(other[i] - values[i])).as("%s[%d]", name, i)
                        .isLessThanOrEqualTo(1e-6f * Math.max(1f, Math.abs(values[i])));
            }
        });
    }

    /**
     * A run on PoCL with the OpenCL arena bounded to 30 MiB (31.5 MB): a batch of 64 at patch 4, dim 32 needs more
     * without recomputing (it fits 36 MiB, not 35, since round 15's backward reads column views without dense copies;
     * 42 MiB after round 13, 44 before), recomputing needs less (it fits 24 MiB, not 22).
     */
    private static CliRun boundedOpenClRun(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--max-train-samples", "128",
                "--max-test-samples", "64", "--epochs", "1", "--batch-size", "64", "--patch", "4", "--dim", "32",
                "--depth", "2", "--backend", "opencl", "--device", "cpu", "--loader-threads", "1", "--out",
                out.toString()));
        args.addAll(Arrays.asList(more));
        String property = "vil4j.opencl.maxArenaMiB"; // OpenCLBackend.MAX_ARENA_PROPERTY
        System.setProperty(property, "30");
        try {
            return CliRun.of(args.toArray(String[]::new));
        } finally {
            System.clearProperty(property);
        }
    }

    @Test
    void activationsThatDoNotFitTheDeviceAreRecomputedFromThatStepOn(@TempDir Path out) throws IOException {
        CliRun never = boundedOpenClRun(out.resolve("never"), "--recompute-activations", "never");
        assertThat(never.exitCode()).isEqualTo(2);
        assertThat(never.err()).startsWith("vil: OpenCL backend: ").contains("do not fit the arena (at most 31457280")
                .doesNotContain("\tat ");

        CliRun auto = boundedOpenClRun(out.resolve("auto"));
        assertThat(auto.exitCode()).as(auto.err()).isZero();
        assertThat(auto.out()).contains("note: step 1: a batch of 64 needs more than the backend holds")
                .containsOnlyOnce("note: ");
        CliRun always = boundedOpenClRun(out.resolve("always"), "--recompute-activations");
        assertThat(always.exitCode()).as(always.err()).isZero();
        assertThat(always.out()).doesNotContain("note: ");
        // the step that ran out was taken again from scratch: the run is the always-recomputing one, bit for bit
        TrainingCheckpoint a = TrainingCheckpoint.read(out.resolve("auto").resolve("checkpoint.safetensors"));
        TrainingCheckpoint b = TrainingCheckpoint.read(out.resolve("always").resolve("checkpoint.safetensors"));
        assertThat(a.steps()).isEqualTo(2);
        assertThat(a.tensors().keySet()).isEqualTo(b.tensors().keySet());
        a.tensors().forEach((name, values) -> assertThat(b.tensors().get(name)).as(name).containsExactly(values));
    }

    @Test
    void anUnknownRecomputeModeIsOneLine(@TempDir Path out) {
        CliRun run = CliRun.of(tiny(out.resolve("run"), "--recompute-activations", "sometimes"));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("vil: --recompute-activations: 'sometimes' is not one of always, "
                + "never, auto");
        assertThat(out.resolve("run")).doesNotExist();
    }

    @Test
    void fineTuningStartsFromGivenWeightsAndReplacesAMismatchedClassifier(@TempDir Path out) throws IOException {
        Path first = out.resolve("first");
        assertThat(CliRun.of(tiny(first)).exitCode()).isZero();
        Path checkpoint = first.resolve("checkpoint.safetensors");
        Path tuned = out.resolve("tuned");
        CliRun run = CliRun.of(tiny(tuned, "--weights", checkpoint.toString()));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("weights: " + checkpoint);
        // it starts where the first run ended: its first epoch beats the first run's first epoch
        double firstLoss = Double.parseDouble(epochLines(first).get(0).replaceAll(".*\"train_loss\":([^,]+),.*", "$1"));
        double tunedLoss = Double.parseDouble(epochLines(tuned).get(0).replaceAll(".*\"train_loss\":([^,]+),.*", "$1"));
        assertThat(tunedLoss).isLessThan(firstLoss);

        // the same weights with a 5-class head: the classifier starts fresh, everything else is kept
        TrainingCheckpoint saved = TrainingCheckpoint.read(checkpoint);
        org.vil4j.formats.safetensors.SafetensorsWriter w = new org.vil4j.formats.safetensors.SafetensorsWriter();
        saved.withPrefix("param.").forEach((name, values) -> {
            if (name.equals("head.weight")) {
                w.putF32(name, org.vil4j.api.Shape.of(5, values.length / 10), java.util.Arrays.copyOf(values,
                        5 * values.length / 10));
            } else if (name.equals("head.bias")) {
                w.putF32(name, org.vil4j.api.Shape.of(5), java.util.Arrays.copyOf(values, 5));
            } else {
                w.putF32(name, saved.shapes().get("param." + name), values);
            }
        });
        Path fiveClasses = out.resolve("five-classes.safetensors");
        w.write(fiveClasses);
        CliRun other = CliRun.of(tiny(out.resolve("other"), "--weights", fiveClasses.toString()));
        assertThat(other.exitCode()).as(other.err()).isZero();
        assertThat(other.out()).contains("re-initialised for 10 classes");

        Path missing = out.resolve("nothing.safetensors");
        CliRun bad = CliRun.of(tiny(out.resolve("bad"), "--weights", missing.toString()));
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("no such weights file").doesNotContain("\tat ");
    }
}
