package org.vil4j.segmentation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.conformance.kit.SharedBackends;
import org.vil4j.training.model.ModelFile;
import org.vil4j.training.model.ModelInfo;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.vil.PositionEmbeddingResize;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A classifier's model file as a segmentation backbone: its weights without the head, at the segmentation input. */
class PretrainedBackboneTest {
    @TempDir
    Path dir;

    private Path classifier() {
        VilConfig config = VilConfig.fromReference("VisionLSTM2", Map.of("input_shape", List.of(1, 28, 28),
                "output_shape", List.of(10), "patch_size", 4, "dim", 16, "depth", 2, "pooling", "bilateral_flatten",
                "legacy_norm", true));
        Map<String, HostTensor> weights = VilInitializer.initialize(config, 9);
        ModelInfo info = new ModelInfo(new Preprocessing(1, 28, 28, Preprocessing.STRETCH_BILINEAR,
                new float[]{0.286f}, new float[]{0.353f}), java.util.stream.IntStream.range(0, 10)
                .mapToObj(i -> "class" + i).toList(), Map.of());
        Path file = dir.resolve("classifier.safetensors");
        ModelFile.write(file, config, ModelFile.arrays(weights), info);
        return file;
    }

    @Test
    void keepsTheBackboneDropsTheHeadAndResizesThePositionEmbedding() {
        Path file = classifier();
        Map<String, HostTensor> original = org.vil4j.training.model.WeightsFiles.read(file).weights();
        PretrainedBackbone b = PretrainedBackbone.load(file, 1, 48, SharedBackends.plugins());
        assertThat(b.config().isClassifier()).isFalse();
        assertThat(b.config().height()).isEqualTo(48);
        assertThat(b.config().dim()).isEqualTo(16);
        assertThat(b.config().depth()).isEqualTo(2);
        assertThat(b.dropped()).isNotEmpty().allSatisfy(n -> assertThat(original).containsKey(n))
                .anySatisfy(n -> assertThat(n).startsWith("head"));
        assertThat(b.weights()).doesNotContainKeys(b.dropped().toArray(String[]::new));
        assertThat(b.weights().get("blocks.1.rowwise_from_bot_right.layer.proj_up.weight").data())
                .containsExactly(original.get("blocks.1.rowwise_from_bot_right.layer.proj_up.weight").data());
        HostTensor pos = b.weights().get("pos_embed.embed");
        assertThat(pos.shape().dim(1)).isEqualTo(12); // 48 / patch 4
        assertThat(pos.data()).containsExactly(
                PositionEmbeddingResize.resize(original.get("pos_embed.embed"), 12, 12).data());
        assertThat(b.normalisation().mean(0)).isEqualTo(0.286f);
        // the segmentation model takes these weights as they are
        SegmentationConfig c = new SegmentationConfig(b.config(), "upernet", 4, SegmentationConfig.evenBlocks(2, 4),
                new double[]{2, 1, 0.5, 0.25}, List.of("background", "a", "b"), 0.4);
        Map<String, HostTensor> init = SegmentationModel.initialize(c, 1);
        init.putAll(b.weights());
        new SegmentationModel(c, SharedBackends.plugins(), SharedBackends.ops("java"), init, "test");
    }

    @Test
    void refusesAnotherChannelCountOrACanvasItsPatchDoesNotTile() {
        Path file = classifier();
        assertThatThrownBy(() -> PretrainedBackbone.load(file, 3, 48, SharedBackends.plugins()))
                .isInstanceOf(Vil4jException.class).hasMessageContaining("1-channel");
        assertThatThrownBy(() -> PretrainedBackbone.load(file, 1, 50, SharedBackends.plugins()))
                .isInstanceOf(Vil4jException.class).hasMessageContaining("does not tile");
    }
}
