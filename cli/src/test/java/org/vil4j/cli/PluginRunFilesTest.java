package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.safetensors.SafetensorsWriter;
import org.vil4j.training.TrainingCheckpoint;
import org.vil4j.training.data.FashionMnist;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backbone plugin's run (the real vit-fmnist-tiny, on a few hundred images) leaves a checkpoint and a model file
 * that record the plugin's name and spec: {@code --resume} continues it to the uninterrupted run's bits, and predict
 * and eval take either file without --model, finding the plugin by the recorded name. Damaged files are one-line
 * errors naming the file and the culprit.
 */
class PluginRunFilesTest {
    @TempDir
    static Path shared;

    /** An uninterrupted two-epoch run, shared by the tests. */
    static Path straight;

    @TempDir
    Path dir;

    @BeforeAll
    static void train() throws IOException {
        TrainCommandTest.data();
        straight = shared.resolve("straight");
        CliRun run = CliRun.of(TrainCommandTest.tiny(straight, "--model", "vit-fmnist-tiny"));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    }

    @Test
    void anInterruptedViTRunResumesToTheUninterruptedRunsBits() throws IOException {
        Path interrupted = dir.resolve("interrupted");
        CliRun first = CliRun.of(TrainCommandTest.tiny(interrupted, "--model", "vit-fmnist-tiny", "--stop-after",
                "1"));
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        assertThat(first.out()).contains("stopped after epoch 1 of 2");
        assertThat(TrainingCheckpoint.read(interrupted.resolve(TrainCommand.CHECKPOINT)).epochsDone()).isEqualTo(1);

        CliRun second = CliRun.of(TrainCommandTest.tiny(interrupted, "--model", "vit-fmnist-tiny", "--resume"));
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        assertThat(second.out()).contains("resuming after epoch 1").contains("test accuracy:");

        TrainingCheckpoint a = TrainingCheckpoint.read(straight.resolve(TrainCommand.CHECKPOINT));
        TrainingCheckpoint b = TrainingCheckpoint.read(interrupted.resolve(TrainCommand.CHECKPOINT));
        assertThat(b.steps()).isEqualTo(a.steps()).isEqualTo(8);
        assertThat(b.tensors().keySet()).isEqualTo(a.tensors().keySet()).anyMatch(k -> k.startsWith("optim."));
        a.tensors().forEach((name, values) -> assertThat(b.tensors().get(name)).as(name).isEqualTo(values));
        assertThat(Files.readAllBytes(interrupted.resolve(TrainCommand.MODEL)))
                .isEqualTo(Files.readAllBytes(straight.resolve(TrainCommand.MODEL)));
        assertThat(TrainCommandTest.epochLines(interrupted)).hasSize(2);

        // resuming with another model is refused before anything trains
        ImageInputLimitsTest.assertOneLine(CliRun.of(TrainCommandTest.tiny(interrupted, "--model",
                "vit-fmnist-tiny", "--patch", "4", "--resume")), "the checkpoint's model differs from this run's",
                "\"patch_size\":4");
    }

    private static Path image(Path dir) throws IOException {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 10; y < 13; y++) {
            for (int x = 0; x < 28; x++) {
                image.getRaster().setSample(x, y, 0, 220);
            }
        }
        Path png = dir.resolve("band.png");
        ImageIO.write(image, "png", png.toFile());
        return png;
    }

    @Test
    void predictTakesTheModelFileAndTheCheckpointWithoutModel() throws IOException {
        Path png = image(dir);
        CliRun fromModel = CliRun.of("predict", "--weights", straight.resolve(TrainCommand.MODEL).toString(),
                "--backend", "java", "--json", "--logits", "--top", "3", png.toString());
        assertThat(fromModel.exitCode()).as(fromModel.err()).isZero();
        assertThat(fromModel.out()).contains("\"config\":{\"backbone\":\"vit\",\"class\":\"VisionTransformer\"")
                .containsPattern("\"name\":\"(" + String.join("|", FashionMnist.CLASS_NAMES) + ")\"");
        CliRun fromCheckpoint = CliRun.of("predict", "--weights", straight.resolve(TrainCommand.CHECKPOINT)
                .toString(), "--backend", "java", "--json", "--logits", "--top", "3", png.toString());
        assertThat(fromCheckpoint.exitCode()).as(fromCheckpoint.err()).isZero();
        assertThat(fromCheckpoint.err()).contains("is a training checkpoint");
        // the same weights, preprocessing and classes: the same logits
        assertThat(logits(fromCheckpoint.out())).isEqualTo(logits(fromModel.out())).isNotEmpty();

        // the model file speaks for itself: a ViL preset cannot be imposed on it
        ImageInputLimitsTest.assertOneLine(CliRun.of("predict", "--model", "vil2-tiny", "--weights",
                straight.resolve(TrainCommand.MODEL).toString(), "--backend", "java", png.toString()),
                "records its own model (backbone plugin 'vit'); leave --model out");
        // what reads ViL weights only says so
        ImageInputLimitsTest.assertOneLine(CliRun.of("convert", straight.resolve(TrainCommand.MODEL).toString(),
                dir.resolve("out.safetensors").toString()), "holds a model of backbone plugin 'vit'");
    }

    private static String logits(String json) {
        return json.replaceAll("(?s).*\"logits\":(\\[[^]]*]).*", "$1");
    }

    @Test
    void evalOfTheModelFileGivesTheRunsLastTestAccuracy() throws IOException {
        List<String> epochs = TrainCommandTest.epochLines(straight);
        double accuracy = Double.parseDouble(epochs.get(epochs.size() - 1)
                .replaceAll(".*\"test_accuracy\":([^,}]+).*", "$1"));
        String expected = String.format(Locale.ROOT, "| top-1  | %6.2f%% |", 100 * accuracy);
        for (String file : List.of(TrainCommand.MODEL, TrainCommand.CHECKPOINT)) {
            // the run validated on the first 128 test images, with the model's own normalisation
            CliRun eval = CliRun.of("eval", "--weights", straight.resolve(file).toString(), "--dataset",
                    "fashion-mnist", "--data", TrainCommandTest.data.toString(), "--limit", "128", "--backend",
                    "java");
            assertThat(eval.exitCode()).as(eval.out() + eval.err()).isZero();
            assertThat(eval.out()).as(file).contains(expected).contains("| total  |         |    128 |");
        }
    }

    /** The run's model file with its metadata and tensors changed by {@code change}. */
    private Path damaged(String name, BiConsumer<Map<String, String>, Map<String, HostTensor>> change) {
        SafetensorsFile good = SafetensorsFile.open(straight.resolve(TrainCommand.MODEL));
        Map<String, String> meta = new LinkedHashMap<>(good.metadata());
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        good.names().forEach(n -> tensors.put(n, new HostTensor(good.entry(n).shape(), good.floats(n))));
        change.accept(meta, tensors);
        SafetensorsWriter w = new SafetensorsWriter();
        meta.forEach(w::metadata);
        tensors.forEach((n, t) -> w.putF32(n, t.shape(), t.data()));
        Path file = dir.resolve(name);
        w.write(file);
        return file;
    }

    @Test
    void aModelFileOfAnAbsentPluginOrWithAMisShapedTensorIsAOneLineError() throws IOException {
        Path png = image(dir);
        Path absent = damaged("absent.safetensors", (meta, tensors) -> meta.put("backbone", "third_party_vit"));
        ImageInputLimitsTest.assertOneLine(CliRun.of("predict", "--weights", absent.toString(), "--backend", "java",
                png.toString()), absent + " was saved by backbone plugin 'third_party_vit', which is not on the "
                + "class path; bin/vil plugins lists those found");
        ImageInputLimitsTest.assertOneLine(CliRun.of("eval", "--weights", absent.toString(), "--dataset",
                "fashion-mnist", "--data", TrainCommandTest.data.toString(), "--backend", "java"),
                "backbone plugin 'third_party_vit', which is not on the class path");

        Path headless = damaged("headless.safetensors", (meta, tensors) -> meta.put("plugins",
                "{\"mixer\":\"attention\",\"head\":\"gone_head\"}"));
        ImageInputLimitsTest.assertOneLine(CliRun.of("predict", "--weights", headless.toString(), "--backend",
                "java", png.toString()), "was saved by head plugin 'gone_head', which is not on the class path");

        Path misShaped = damaged("mis-shaped.safetensors", (meta, tensors) -> tensors.put("blocks.0.mlp.fc1.weight",
                new HostTensor(Shape.of(16, 64), tensors.get("blocks.0.mlp.fc1.weight").data())));
        ImageInputLimitsTest.assertOneLine(CliRun.of("predict", "--weights", misShaped.toString(), "--backend",
                "java", png.toString()), misShaped + ": tensor blocks.0.mlp.fc1.weight is [16,64], but backbone "
                + "plugin 'vit' declares [64,16] for the recorded spec");

        Path truncated = dir.resolve("truncated.safetensors");
        byte[] bytes = Files.readAllBytes(straight.resolve(TrainCommand.MODEL));
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        ImageInputLimitsTest.assertOneLine(CliRun.of("predict", "--weights", truncated.toString(), "--backend",
                "java", png.toString()), truncated.toString());
    }
}
