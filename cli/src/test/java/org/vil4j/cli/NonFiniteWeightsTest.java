package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.formats.safetensors.SafetensorsFile;
import org.vil4j.formats.safetensors.SafetensorsWriter;

/** Non-finite weights never reach a checkpoint, and weights holding NaN are refused by name. */
class NonFiniteWeightsTest {
    private static final Path MICRO_TH = CliRun.GOLDEN.resolve("vil2-micro-official-layout.th");

    @BeforeAll
    static void data() throws IOException {
        TrainCommandTest.data();
    }

    static String[] oneStep(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", TrainCommandTest.data.toString(),
                "--max-train-samples", "32", "--max-test-samples", "32", "--epochs", "1", "--batch-size", "32",
                "--dim", "16", "--depth", "1", "--backend", "java", "--loader-threads", "1", "--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void anEpochWhoseLastUpdateDivergedWritesNoCheckpoint(@TempDir Path dir) throws IOException {
        for (String[] recipe : List.of(new String[] {"--lr", "1e6"}, new String[] {"--min-lr", "1"},
                new String[] {"--lr", "1e30"})) {
            Path out = dir.resolve("run" + String.join("", recipe));
            CliRun run = CliRun.of(oneStep(out, recipe));
            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(2);
            assertThat(run.err().strip()).doesNotContain("\n").satisfiesAnyOf(
                    e -> assertThat(e).startsWith("vil: training diverged: after step 1").contains("was not written"),
                    e -> assertThat(e).startsWith("vil: invalid training option: the final learning rate (--min-lr)"));
            if (Files.exists(out)) {
                try (Stream<Path> files = Files.list(out)) {
                    assertThat(files.map(p -> p.getFileName().toString()))
                            .noneMatch(name -> name.contains("checkpoint"));
                }
            }
        }
    }

    @Test
    void weightsHoldingNanAreRefusedNamingTheTensor(@TempDir Path dir) throws IOException {
        Path converted = dir.resolve("micro.safetensors");
        CliRun convert = CliRun.of("convert", MICRO_TH.toString(), converted.toString());
        assertThat(convert.exitCode()).as(convert.err()).isZero();
        SafetensorsFile file = SafetensorsFile.open(converted);
        SafetensorsWriter writer = new SafetensorsWriter();
        file.metadata().forEach(writer::metadata);
        String victim = file.names().stream().filter(n -> n.contains("blocks.0")).findFirst().orElseThrow();
        for (String name : file.names()) {
            float[] values = file.floats(name);
            if (name.equals(victim)) {
                values[values.length - 1] = Float.NaN;
            }
            writer.putF32(name, file.entry(name).shape(), values);
        }
        Path poisoned = dir.resolve("poisoned.safetensors");
        writer.write(poisoned);
        Path image = dir.resolve("a.png");
        CheckpointCommandsTest.writeImage(image, 20, 16, 1);
        Files.createDirectories(dir.resolve("data/apple"));
        CheckpointCommandsTest.writeImage(dir.resolve("data/apple/a.png"), 20, 16, 2);

        CliRun predict = CliRun.of("predict", "--weights", poisoned.toString(), "--backend", "java", "--json",
                image.toString());
        CliRun eval = CliRun.of("eval", "--weights", poisoned.toString(), "--data", dir.resolve("data").toString(),
                "--backend", "java");

        for (CliRun run : List.of(predict, eval)) {
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.out()).doesNotContain("NaN");
            assertThat(run.err().strip()).doesNotContain("\n").contains(poisoned.toString())
                    .contains(victim.startsWith("param.") ? victim.substring(6) : victim).contains("NaN");
        }
    }
}
