package org.vil4j.vil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;
import org.vil4j.api.WeightsMismatchException;
import org.vil4j.vil.OfficialCheckpointLayout.Kind;

class OfficialCheckpointLayoutTest {
    private static final VilConfig V2_MICRO = VilConfig.fromReference("VisionLSTM2", Map.of("dim", 32, "depth", 2,
            "patch_size", 4, "input_shape", List.of(3, 16, 16), "output_shape", List.of(10), "pooling",
            "bilateral_flatten", "legacy_norm", true, "conv_kind", "2d", "norm_bias", true, "proj_bias", true));
    private static final VilConfig V1_MICRO = VilConfig.fromReference("VisionLSTM", Map.of("dim", 16, "depth", 4,
            "patch_size", 4, "input_shape", List.of(3, 16, 12), "output_shape", List.of(5), "legacy_norm", true));

    private static Map<String, HostTensor> officialWeights(VilConfig c, Kind kind, long seed) {
        Random r = new Random(seed);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        ParameterLayout.of(c).forEach((name, shape) -> {
            float[] data = new float[shape.size()];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) r.nextGaussian();
            }
            out.put(OfficialCheckpointLayout.toOfficial(name, kind), new HostTensor(shape, data));
        });
        return out;
    }

    @Test
    void namesFollowHubconf() {
        assertThat(OfficialCheckpointLayout.toOurs("blocks.7.xlstm.conv1d.weight", Kind.OFFICIAL_V2, true))
                .isEqualTo("blocks.3.rowwise_from_bot_right.layer.conv.weight");
        assertThat(OfficialCheckpointLayout.toOurs("blocks.10.xlstm_norm.bias", Kind.OFFICIAL_V2, true))
                .isEqualTo("blocks.5.rowwise_from_top_left.norm.bias");
        assertThat(OfficialCheckpointLayout.toOurs("head.0.weight", Kind.OFFICIAL_V2, true))
                .isEqualTo("legacy_norm.weight");
        assertThat(OfficialCheckpointLayout.toOurs("head.0.weight", Kind.OFFICIAL_V1, true)).isEqualTo("norm.weight");
        assertThat(OfficialCheckpointLayout.toOurs("post_blocks_norm.weight", Kind.OFFICIAL_V1, true))
                .isEqualTo("legacy_norm.weight");
        assertThat(OfficialCheckpointLayout.toOurs("blocks.5.xlstm.conv1d.conv.weight", Kind.OFFICIAL_V1, true))
                .isEqualTo("blocks.5.layer.conv1d.conv.weight");
        for (VilConfig c : List.of(V2_MICRO, VilPresets.get("vil2-tiny"))) {
            for (String name : ParameterLayout.of(c).keySet()) {
                String official = OfficialCheckpointLayout.toOfficial(name, Kind.OFFICIAL_V2);
                assertThat(OfficialCheckpointLayout.toOurs(official, Kind.OFFICIAL_V2, true)).isEqualTo(name);
            }
        }
        for (String name : ParameterLayout.of(VilPresets.get("vil-tiny")).keySet()) {
            String official = OfficialCheckpointLayout.toOfficial(name, Kind.OFFICIAL_V1);
            assertThat(OfficialCheckpointLayout.toOurs(official, Kind.OFFICIAL_V1, true)).isEqualTo(name);
        }
    }

    @Test
    void detectsTheLayoutAndTheConfigurationFromTheKeys() {
        var v2 = OfficialCheckpointLayout.load(officialWeights(V2_MICRO, Kind.OFFICIAL_V2, 1), null, "v2");
        assertThat(v2.layout()).isEqualTo(Kind.OFFICIAL_V2);
        assertThat(v2.config()).isEqualTo(V2_MICRO);
        var v1 = OfficialCheckpointLayout.load(officialWeights(V1_MICRO, Kind.OFFICIAL_V1, 2), null, "v1");
        assertThat(v1.layout()).isEqualTo(Kind.OFFICIAL_V1);
        assertThat(v1.config()).isEqualTo(V1_MICRO);
        var ours = OfficialCheckpointLayout.load(officialWeights(V2_MICRO, Kind.OURS, 3), null, "ours");
        assertThat(ours.layout()).isEqualTo(Kind.OURS);
        assertThat(ours.config()).isEqualTo(V2_MICRO);
        assertThat(OfficialCheckpointLayout.describe(officialWeights(VilPresets.get("vil2-tiny"), Kind.OFFICIAL_V2,
                4), "tiny")).isEqualTo(VilPresets.get("vil2-tiny"));
    }

    @Test
    void listsEveryMissingUnexpectedAndMisShapedKeyAtOnce() {
        Map<String, HostTensor> raw = officialWeights(V2_MICRO, Kind.OFFICIAL_V2, 5);
        raw.remove("blocks.3.xlstm.mlstm_cell.igate.bias");
        raw.remove("head.1.bias");
        raw.put("blocks.0.xlstm.extra", new HostTensor(Shape.of(2), new float[2]));
        raw.put("blocks.1.xlstm.learnable_skip", new HostTensor(Shape.of(3), new float[3]));
        assertThatThrownBy(() -> OfficialCheckpointLayout.load(raw, V2_MICRO, "bad.th"))
                .isInstanceOf(WeightsMismatchException.class)
                .satisfies(e -> assertThat(((WeightsMismatchException) e).problems()).hasSize(4))
                .hasMessageContaining("missing blocks.1.rowwise_from_bot_right.layer.mlstm_cell.igate.bias [4] "
                        + "(checkpoint key blocks.3.xlstm.mlstm_cell.igate.bias)")
                .hasMessageContaining("missing head.bias [10] (checkpoint key head.1.bias)")
                .hasMessageContaining("unexpected blocks.0.xlstm.extra [2]")
                .hasMessageContaining("mis-shaped blocks.0.rowwise_from_bot_right.layer.learnable_skip");
    }

    @Test
    void resizesThePositionEmbeddingToTheModelsGrid() {
        Map<String, HostTensor> raw = officialWeights(V2_MICRO, Kind.OFFICIAL_V2, 6);
        VilConfig wide = V2_MICRO.withInput(3, 12, 20);
        var loaded = OfficialCheckpointLayout.load(raw, wide, "wide");
        HostTensor pos = loaded.weights().get("pos_embed.embed");
        assertThat(pos.shape()).isEqualTo(Shape.of(1, 3, 5, 32));
        assertThat(pos.data()).containsExactly(PositionEmbeddingResize.resize(raw.get("pos_embed.embed"), 3, 5)
                .data());
    }
}
