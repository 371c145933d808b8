package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vil sweep}: a point per form and token count, the skip rule, JSON and plot, one-line option errors. */
class SweepCommandTest {
    @TempDir
    Path dir;

    @Test
    void measuresEveryFormAtEveryTokenCountAndDrawsThem() throws IOException {
        Path json = dir.resolve("sweep.json");
        CliRun run = CliRun.of("sweep", "--model", "fmnist-tiny", "--tokens", "16,36,60", "--warmup", "0",
                "--iterations", "1", "--chunk", "8", "--backend", "java", "--output", json.toString());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        String text = Files.readString(json);
        // patch 7 (stride 7): 60 tokens = a 6 x 10 grid = 42 x 70 pixels
        assertThat(text).contains("\"mode\": \"forward\"").contains("\"backend\": \"java\"")
                .contains("{\"mlstm_form\": \"chunkwise\", \"tokens\": 60, \"input\": \"42x70\", \"ms_median\": ")
                .contains("\"process_cpu_ms_median\": ")
                .contains("\"mlstm_form\": \"parallel\", \"tokens\": 16, \"input\": \"28x28\"")
                .contains("\"mlstm_form\": \"recurrent\", \"tokens\": 36, \"input\": \"42x42\"");
        assertThat(text.split("\"peak_device_bytes\": ", -1)).hasSize(10);
        // more tokens, more memory: activations grow with them
        assertThat(peak(text, "chunkwise", 60)).isGreaterThan(peak(text, "chunkwise", 16));
        BufferedImage plot = ImageIO.read(dir.resolve("sweep.png").toFile());
        assertThat(plot.getWidth()).isGreaterThan(plot.getHeight());

        // the JSON alone draws the same plot again (a GPU machine's Java runtime may have no fonts)
        Path again = dir.resolve("again.png");
        CliRun replot = CliRun.of("sweep", "--replot", json.toString(), "--plot", again.toString());
        assertThat(replot.exitCode()).as(replot.out() + replot.err()).isZero();
        BufferedImage redrawn = ImageIO.read(again.toFile());
        assertThat(redrawn.getWidth()).isEqualTo(plot.getWidth());
        assertThat(redrawn.getRGB(redrawn.getWidth() / 4, redrawn.getHeight() / 2))
                .isEqualTo(plot.getRGB(plot.getWidth() / 4, plot.getHeight() / 2));
        Path notSweep = dir.resolve("other.json");
        Files.writeString(notSweep, "{\"model\": 1}");
        ImageInputLimitsTest.assertOneLine(CliRun.of("sweep", "--replot", notSweep.toString()),
                "not a vil sweep JSON file");
    }

    @Test
    void skipsPointsExpectedToTakeTooLongAndTrainsWhenAsked() throws IOException {
        Path json = dir.resolve("s.json");
        CliRun run = CliRun.of("sweep", "--model", "fmnist-tiny", "--tokens", "16,160000", "--mlstm-form",
                "parallel", "--train", "--warmup", "0", "--iterations", "1", "--max-seconds", "5", "--backend", "java",
                "--output", json.toString(), "--plot", dir.resolve("p.png").toString());
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(Files.readString(json)).contains("\"mode\": \"forward+backward\"")
                .contains("\"tokens\": 160000, \"input\": \"2800x2800\", \"skipped\": \"expected ")
                .contains("over --max-seconds 5");
        assertThat(dir.resolve("p.png")).isRegularFile();
    }

    @Test
    void badOptionsAreOneLineErrors() {
        ImageInputLimitsTest.assertOneLine(CliRun.of("sweep", "--mlstm-form", "auto", "--backend", "java"),
                "--mlstm-form auto");
        ImageInputLimitsTest.assertOneLine(CliRun.of("sweep", "--tokens", "100,50", "--backend", "java"),
                "--tokens must be positive and increasing");
        ImageInputLimitsTest.assertOneLine(CliRun.of("sweep", "--chunk", "0", "--backend", "java"), "--chunk");
    }

    private static long peak(String json, String form, int tokens) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"mlstm_form\": \"" + form + "\", \"tokens\": "
                + tokens + ", [^}]*\"peak_device_bytes\": (\\d+)").matcher(json);
        assertThat(m.find()).as("%s %d in %s", form, tokens, json).isTrue();
        return Long.parseLong(m.group(1));
    }
}
