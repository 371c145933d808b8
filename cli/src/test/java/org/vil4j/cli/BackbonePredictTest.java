package org.vil4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Backbone;
import org.vil4j.api.Plugins;
import org.vil4j.formats.safetensors.SafetensorsWriter;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * predict and eval take a backbone plugin's preset by name: deit3-tiny with weights under the model's own names (as
 * the published .th holds them), the official ImageNet evaluation and ImageNet's classes.
 */
class BackbonePredictTest {
    @TempDir
    Path dir;

    @Test
    void deit3TinyPredictsWithItsOwnWeightsAndTheImagenetClasses() throws IOException {
        Plugins plugins = Plugins.discover();
        Backbone vit = plugins.backbone("vit");
        SafetensorsWriter writer = new SafetensorsWriter();
        vit.initialize(vit.presets().get("deit3-tiny"), plugins, 1)
                .forEach((name, t) -> writer.putF32(name, t.shape(), t.data()));
        Path weights = dir.resolve("deit3-tiny.safetensors");
        writer.write(weights);
        BufferedImage image = new BufferedImage(300, 240, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 300; x++) {
                image.setRGB(x, y, (x * 7 % 256) << 16 | (y * 3 % 256) << 8 | (x + y) % 256);
            }
        }
        Path png = dir.resolve("image.png");
        ImageIO.write(image, "png", png.toFile());

        CliRun run = CliRun.of("predict", "--model", "deit3-tiny", "--weights", weights.toString(), "--top", "3",
                "--json", "--backend", "java", png.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"wnid\":\"n0").contains("\"probability\":");
        assertThat(run.out().split("\"index\"", -1)).hasSize(4); // three classes

        CliRun wrong = CliRun.of("predict", "--model", "deit3-tiny", "--weights", weights.toString(), "--input",
                "160", "--backend", "java", png.toString());
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.err()).contains("--input").contains("deit3-tiny");
    }
}
