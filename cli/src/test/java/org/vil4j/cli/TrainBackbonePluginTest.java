package org.vil4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.training.TrainingCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code vil train --model vit-fmnist-tiny}: a backbone plugin's preset trains through the same path as a ViL, adapted
 * to the data, writing checkpoints and model files that record the plugin's name and spec; what needs a ViL is refused
 * naming the option.
 */
class TrainBackbonePluginTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    @Test
    void aViTPresetTrainsAndRecordsItsSpec() throws IOException {
        Path out = dir.resolve("vit");
        CliRun run = CliRun.of(TrainCommandTest.tiny(out, "--model", "vit-fmnist-tiny"));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("training vit-fmnist-tiny: backbone 'vit', VisionTransformer")
                .contains("test accuracy: ");
        // --dim 16 --depth 1 of the tiny recipe become the reference's arguments; the input and classes the data's
        assertThat(Files.readString(out.resolve(TrainCommand.CONFIG))).contains("\"backbone\":\"vit\"")
                .contains("\"class\":\"VisionTransformer\"").contains("\"dim\":16").contains("\"depth\":1")
                .contains("\"input_shape\":[1,28,28]").contains("\"num_outputs\":10");
        assertThat(TrainCommandTest.epochLines(out)).hasSize(2);
        assertThat(out.resolve(TrainCommand.CURVES)).isRegularFile();
        // checkpoint and model file record the plugin's name and the spec instead of a ViL config
        TrainingCheckpoint checkpoint = TrainingCheckpoint.read(out.resolve(TrainCommand.CHECKPOINT));
        assertThat(checkpoint.config()).isNull();
        assertThat(checkpoint.plugin().backbone()).isEqualTo("vit");
        assertThat(checkpoint.plugin().spec().kwargs()).containsEntry("dim", 16L).containsEntry("num_outputs", 10L);
        assertThat(checkpoint.plugin().plugins()).containsEntry("head", "first").containsEntry("mixer", "attention");
        assertThat(checkpoint.epochsDone()).isEqualTo(2);
        Map<String, String> model = SafetensorsFile.open(out.resolve(TrainCommand.MODEL)).metadata();
        assertThat(model).containsEntry("backbone", "vit").doesNotContainKey("config");
        assertThat(model.get("class_names")).contains("Trouser");
    }

    @Test
    void optionsThatNeedAViLAreRefusedNamingTheOption() {
        Path out = dir.resolve("refused");
        String who = "is not for model vit-fmnist-tiny (backbone 'vit')";
        ImageInputLimitsTest.assertOneLine(CliRun.of(TrainCommandTest.tiny(out, "--model", "vit-fmnist-tiny",
                "--drop-path", "0.1")), "--drop-path " + who);
        ImageInputLimitsTest.assertOneLine(CliRun.of(TrainCommandTest.tiny(out, "--model", "vit-fmnist-tiny",
                "--mlstm-form", "chunkwise")), "--mlstm-form/--chunk " + who);
        ImageInputLimitsTest.assertOneLine(CliRun.of(TrainCommandTest.tiny(out, "--model", "vit-fmnist-tiny",
                "--recompute-activations")), "--recompute-activations " + who);
        ImageInputLimitsTest.assertOneLine(CliRun.of(TrainCommandTest.tiny(out, "--model", "vit-fmnist-tiny",
                "--weights", "w.safetensors")), "--weights " + who);
        ImageInputLimitsTest.assertOneLine(CliRun.of(TrainCommandTest.tiny(out, "--model", "vit-fmnist-tiny",
                "--patch", "5")), "not a multiple of the patch size 5", "model vit-fmnist-tiny adapted to");
        assertThat(out).doesNotExist();
    }
}
