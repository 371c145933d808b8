package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.formats.safetensors.SafetensorsFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vil eval --dataset cifar10|cifar100} with a model trained by {@code vil train --dataset cifar10}. */
class EvalDatasetsTest {
    @TempDir
    static Path dir;
    static Path cifar10;
    static Path model;

    /** CIFAR binary records (label bytes, then 3x32x32 pixels): class k has a bright band at row 3k. */
    static byte[] records(int count, int labelBytes, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(classes);
            if (labelBytes == 2) {
                out.write(label % 20); // coarse label
            }
            out.write(label);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 32 * 32; p++) {
                    out.write(Math.min(255, random.nextInt(60) + (Math.abs(p / 32 - 3 * (label % 10)) <= 1 ? 180 : 0)));
                }
            }
        }
        return out.toByteArray();
    }

    static String names(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).collect(Collectors.joining("\n", "", "\n"));
    }

    @BeforeAll
    static void train() throws IOException {
        cifar10 = dir.resolve("cifar10");
        Files.createDirectories(cifar10);
        Files.writeString(cifar10.resolve("batches.meta.txt"), names("thing", 10));
        for (int b = 1; b <= 5; b++) {
            Files.write(cifar10.resolve("data_batch_" + b + ".bin"), records(32, 1, 10, b));
        }
        Files.write(cifar10.resolve("test_batch.bin"), records(48, 1, 10, 9));
        Path run = dir.resolve("run");
        CliRun r = CliRun.of("train", "--dataset", "cifar10", "--data", cifar10.toString(), "--epochs", "1",
                "--batch-size", "32", "--dim", "16", "--depth", "1", "--patch", "8", "--backend", "java",
                "--loader-threads", "1", "--log-every", "0", "--out", run.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        model = run.resolve("model.safetensors");
    }

    @Test
    void cifar10ModelsCarryTheirNormalisationAndEvalReproducesTheTrainingAccuracy() {
        SafetensorsFile file = SafetensorsFile.open(model);
        assertThat(file.metadata().get("preprocessing")).isEqualTo("{\"channels\":3,\"height\":32,\"width\":32,"
                + "\"resize\":\"stretch_bilinear\",\"mean\":[0.4914,0.4822,0.4465],\"std\":[0.247,0.2435,0.2616]}");
        assertThat(file.metadata().get("class_names")).startsWith("[\"thing0\",\"thing1\"");
        CliRun r = CliRun.of("eval", "--weights", model.toString(), "--dataset", "cifar10", "--data",
                cifar10.toString(), "--backend", "java", "--batch", "20");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("48 images of cifar-10/test");
        Matcher accuracy = Pattern.compile("\"test_accuracy\":([0-9.Ee-]+)").matcher(file.metadata().get("provenance"));
        assertThat(accuracy.find()).isTrue();
        long correct = Math.round(Double.parseDouble(accuracy.group(1)) * 48);
        assertThat(r.out()).containsPattern("\\| top-1  \\| +[0-9.]+% \\| +" + correct + " \\|");
    }

    @Test
    void cifar100IsReadAndAModelWithFewerClassesIsRefusedByName() throws IOException {
        Path cifar100 = dir.resolve("cifar100");
        Files.createDirectories(cifar100);
        Files.writeString(cifar100.resolve("fine_label_names.txt"), names("fine", 100));
        Files.write(cifar100.resolve("train.bin"), records(8, 2, 100, 1));
        Files.write(cifar100.resolve("test.bin"), records(8, 2, 100, 2));
        CliRun r = CliRun.of("eval", "--weights", model.toString(), "--dataset", "cifar100", "--data",
                cifar100.toString(), "--backend", "java");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("vil: --dataset cifar100 has 100 classes; the model " + model
                + " has 10");
        CliRun unknown = CliRun.of("eval", "--weights", model.toString(), "--dataset", "mnist", "--backend", "java");
        assertThat(unknown.err().strip()).isEqualTo("vil: --dataset must be fashion-mnist, cifar10, cifar100 or "
                + "imagefolder, got mnist");
    }
}
