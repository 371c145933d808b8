package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotCommandTest {
    @TempDir
    Path run;

    private void writeRun(String... metricsLines) throws Exception {
        Files.writeString(run.resolve("metrics.jsonl"), String.join("\n", metricsLines) + "\n");
        Files.writeString(run.resolve("config.json"),
                "{\"recipe\": {\"model\": \"fmnist-93\", \"dataset\": \"fashion-mnist\"}}");
    }

    private static String epoch(int epoch, double testAccuracy) {
        return "{\"kind\":\"epoch\",\"epoch\":" + epoch + ",\"train_loss\":0.7,\"train_accuracy\":0.9,"
                + "\"test_loss\":0.3,\"test_accuracy\":" + testAccuracy + "}";
    }

    @Test
    void drawsTheCurvesAndPrintsTheTableFromMetrics() throws Exception {
        writeRun(epoch(1, 0.7595), "{\"kind\":\"step\",\"epoch\":2,\"loss\":0.9}", epoch(2, 0.8166),
                epoch(3, 0.9310));
        CliRun r = CliRun.of("plot", run.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("|     1 |", "75.95%", "|     3 |", "93.10%").doesNotContain("|     4 |");
        BufferedImage png = ImageIO.read(run.resolve("curves.png").toFile());
        assertThat(png.getWidth()).isEqualTo(960);
        assertThat(png.getHeight()).isEqualTo(360);
    }

    @Test
    void writesWhereOutputSays() throws Exception {
        writeRun(epoch(1, 0.5));
        Path other = run.resolve("elsewhere.png");
        CliRun r = CliRun.of("plot", run.toString(), "--output", other.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(other).isRegularFile();
        assertThat(run.resolve("curves.png")).doesNotExist();
    }

    @Test
    void aFolderWithoutMetricsIsNamedInOneLine() {
        CliRun r = CliRun.of("plot", run.resolve("nope").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("vil: ").contains("nope", "metrics.jsonl").doesNotContain("\tat ");
    }

    @Test
    void metricsWithoutEpochsSayThereIsNothingToPlot() throws Exception {
        writeRun("{\"kind\":\"step\",\"epoch\":1,\"loss\":2.0}");
        CliRun r = CliRun.of("plot", run.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("no epoch lines");
    }
}
