package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.formats.safetensors.SafetensorsFile;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The model file {@code vil train} writes, used by predict, eval and convert without --model: a 1-channel
 * Fashion-MNIST model on the hilbert schedule (its checkpoint too).
 */
class ModelFileCommandsTest {
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void train() throws IOException {
        Path data = dir.resolve("fmnist");
        TrainCommandTest.writeIdx(data, "train", 128, 1);
        TrainCommandTest.writeIdx(data, "t10k", 64, 2);
        run = dir.resolve("run");
        CliRun r = CliRun.of("train", "--data", data.toString(), "--epochs", "1", "--batch-size", "32", "--dim", "16",
                "--depth", "1", "--traversal-schedule", "hilbert", "--ema", "0.9", "--backend", "java",
                "--loader-threads", "1", "--log-every", "0", "--out", run.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    }

    /** A grey 28x28 image with the toy data's class-k band at row 2k+4. */
    static Path bandImage(Path file, int label) throws IOException {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = 30 + (Math.abs(y - (2 * label + 4)) <= 1 ? 180 : 0);
                image.getRaster().setSample(x, y, 0, v);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    @Test
    void trainWritesModelFilesThatCarryTheirMetadata() {
        SafetensorsFile model = SafetensorsFile.open(run.resolve("model.safetensors"));
        assertThat(model.metadata()).containsEntry("format", "vil4j-model-1")
                .containsEntry("class_names", "[\"T-shirt/top\",\"Trouser\",\"Pullover\",\"Dress\",\"Coat\","
                        + "\"Sandal\",\"Shirt\",\"Sneaker\",\"Bag\",\"Ankle boot\"]")
                .containsEntry("preprocessing", "{\"channels\":1,\"height\":28,\"width\":28,"
                        + "\"resize\":\"stretch_bilinear\",\"mean\":[0.286],\"std\":[0.353]}");
        assertThat(model.metadata().get("plugins")).contains("\"traversal\":[\"hilbert\"]");
        assertThat(model.metadata().get("provenance")).startsWith("{\"created_by\":\"vil train\","
                + "\"model\":\"fmnist-tiny\",\"dataset\":\"fashion-mnist\",\"recipe\":{").contains("\"epoch\":1,"
                + "\"test_accuracy\":");
        assertThat(model.metadata().get("config")).contains("\"channels\":1,").contains("\"traversals\":"
                + "[\"hilbert\",\"hilbert\"]");
        assertThat(model.names()).contains("blocks.0.rowwise_from_bot_right.layer.proj_up.weight")
                .noneMatch(n -> n.startsWith("optim.") || n.startsWith("param.") || n.startsWith("ema."));
        SafetensorsFile ema = SafetensorsFile.open(run.resolve("model-ema.safetensors"));
        assertThat(ema.metadata().get("provenance")).contains("\"weights\":\"ema\"");
    }

    @Test
    void predictTakesTheModelFileOrTheCheckpointWithoutModel() throws IOException {
        Path image = bandImage(dir.resolve("images/band3.png"), 3);
        CliRun model = CliRun.of("predict", "--weights", run.resolve("model.safetensors").toString(), "--backend",
                "java", "--json", "--top", "10", image.toString());
        assertThat(model.exitCode()).as(model.err()).isZero();
        assertThat(model.out()).contains("\"name\":\"T-shirt/top\"").contains("\"name\":\"Ankle boot\"");
        CliRun checkpoint = CliRun.of("predict", "--weights", run.resolve("checkpoint.safetensors").toString(),
                "--backend", "java", "--json", "--top", "10", image.toString());
        assertThat(checkpoint.exitCode()).as(checkpoint.err()).isZero();
        assertThat(checkpoint.err()).contains("is a training checkpoint (after epoch 1): using its model weights");
        // the same weights: the same ranking and probabilities
        assertThat(predictions(checkpoint.out())).isEqualTo(predictions(model.out()));
    }

    private static List<String> predictions(String json) {
        Matcher m = Pattern.compile("\\{\"index\":\\d+,[^}]*}").matcher(json);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        assertThat(out).hasSize(10);
        return out;
    }

    @Test
    void evalOnFashionMnistGivesTheAccuracyTrainingMeasured() {
        CliRun r = CliRun.of("eval", "--weights", run.resolve("model.safetensors").toString(), "--dataset",
                "fashion-mnist", "--data", dir.resolve("fmnist").toString(), "--backend", "java", "--batch", "16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("64 images of fashion-mnist/test");
        String provenance = SafetensorsFile.open(run.resolve("model.safetensors")).metadata().get("provenance");
        Matcher accuracy = Pattern.compile("\"test_accuracy\":([0-9.Ee-]+)").matcher(provenance);
        assertThat(accuracy.find()).isTrue();
        // training evaluated the same 64 images with the same normalisation
        long correct = Math.round(Double.parseDouble(accuracy.group(1)) * 64);
        assertThat(r.out()).containsPattern("\\| top-1  \\| +[0-9.]+% \\| +" + correct + " \\|");
    }

    @Test
    void evalOverAnImageFolderMapsFoldersNamedLikeTheModelsClasses() throws IOException {
        Path root = dir.resolve("folder");
        for (int label : new int[]{1, 2}) {
            String name = label == 1 ? "Trouser" : "Pullover";
            for (int i = 0; i < 2; i++) {
                bandImage(root.resolve(name).resolve("img" + i + ".png"), label);
            }
        }
        // sorted folders are Pullover, Trouser: by position they would be classes 0 and 1
        assertThat(EvalCommand.samples(root, 10, List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")).stream().map(EvalCommand.Sample::label))
                .containsExactly(2, 2, 1, 1);
        CliRun r = CliRun.of("eval", "--weights", run.resolve("model.safetensors").toString(), "--data",
                root.toString(), "--backend", "java");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("4 images of " + root);
    }

    @Test
    void convertKeepsTheMetadataAndIdenticalModelsGiveIdenticalFiles() throws IOException {
        Path a = dir.resolve("a/model.safetensors"), b = dir.resolve("b/model.safetensors");
        Files.createDirectories(a.getParent());
        Files.createDirectories(b.getParent());
        for (Path out : List.of(a, b)) {
            CliRun r = CliRun.of("convert", run.resolve("checkpoint.safetensors").toString(), out.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        SafetensorsFile converted = SafetensorsFile.open(a);
        assertThat(converted.metadata().get("plugins")).contains("\"traversal\":[\"hilbert\"]");
        assertThat(converted.metadata().get("provenance")).contains("\"converted_from\":\"checkpoint.safetensors\"");
        CliRun again = CliRun.of("convert", run.resolve("model.safetensors").toString(), a.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        SafetensorsFile fromModel = SafetensorsFile.open(a);
        assertThat(fromModel.metadata().get("class_names")).contains("T-shirt/top");
        assertThat(fromModel.metadata().get("provenance")).contains("\"source_provenance\":{\"created_by\":"
                + "\"vil train\"");
    }
}
