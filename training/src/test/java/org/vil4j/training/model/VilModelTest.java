package org.vil4j.training.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.PluginNotFoundException;
import org.vil4j.api.Vil4jException;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java API's model: load a model file, predict on images and float batches. */
class VilModelTest {
    @TempDir
    Path dir;

    @Test
    void predictsOnImagesAndFloatBatchesWithTheFilesPreprocessingAndNames() {
        VilConfig config = ModelFileTest.hilbertGrey();
        Path file = dir.resolve("m.safetensors");
        ModelFile.write(file, config, ModelFile.arrays(VilInitializer.initialize(config, 4)),
                ModelFileTest.fashionInfo());
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | 90);
            }
        }
        try (VilModel model = VilModel.load(file, "java")) {
            assertThat(model.config()).isEqualTo(config);
            float[] input = model.input(image);
            assertThat(input).hasSize(28 * 28);
            float[] two = new float[2 * input.length];
            System.arraycopy(input, 0, two, 0, input.length);
            System.arraycopy(input, 0, two, input.length, input.length);
            float[] logits = model.logits(two, 2);
            assertThat(logits).hasSize(20);
            assertThat(Arrays.copyOfRange(logits, 0, 10)).containsExactly(Arrays.copyOfRange(logits, 10, 20));
            double[] p = model.probabilities(List.of(input))[0];
            assertThat(Arrays.stream(p).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
            List<VilModel.Prediction> top = model.predict(image, 3);
            assertThat(top).hasSize(3);
            assertThat(top.get(0).probability()).isEqualTo(Arrays.stream(p).max().orElseThrow());
            assertThat(top.get(0).name()).isEqualTo(model.classNames().get(top.get(0).index()));
            assertThat(model.classNames()).startsWith("T-shirt/top");
            assertThatThrownBy(() -> model.logits(new float[5], 1)).isInstanceOf(Vil4jException.class)
                    .hasMessage("model input: 5 floats for a batch of 1 images of 1x28x28");
        }
    }

    @Test
    void aModelFileNamingAMissingPluginFailsNamingIt() {
        VilConfig config = ModelFileTest.hilbertGrey().withTraversals(List.of("no_such_order"));
        Path file = dir.resolve("missing.safetensors");
        ModelFile.write(file, config, ModelFile.arrays(VilInitializer.initialize(config, 4)),
                ModelFileTest.fashionInfo());
        assertThatThrownBy(() -> VilModel.load(file, "java")).isInstanceOf(PluginNotFoundException.class)
                .hasMessageContaining("no_such_order").hasMessageContaining("hilbert");
    }
}
