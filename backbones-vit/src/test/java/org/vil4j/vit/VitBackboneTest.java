package org.vil4j.vit;

import org.junit.jupiter.api.Test;
import org.vil4j.api.BackboneModel;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.WeightsMismatchException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class VitBackboneTest {
    private static final Plugins PLUGINS = Plugins.discover();

    @Test
    void isFoundByNameAndByReferenceClass() {
        assertThat(PLUGINS.backbone("vit")).isInstanceOf(VitBackbone.class);
        assertThat(PLUGINS.backboneFor("VisionTransformer")).containsInstanceOf(VitBackbone.class);
        assertThat(PLUGINS.backboneFor("VisionLSTM2")).isEmpty();
        assertThat(PLUGINS.mixer("attention")).isInstanceOf(AttentionMixer.class);
    }

    @Test
    void deit3TinyHasTheDeit3TinyParameterCount() {
        ModelSpec spec = new VitBackbone().presets().get("deit3-tiny");
        Map<String, Shape> shapes = new VitBackbone().parameterShapes(spec, PLUGINS);
        long count = shapes.values().stream().mapToLong(Shape::sizeLong).sum();
        // timm's deit3_tiny_patch16_224: 5.72M, the sin-cos position embedding (37,632) included
        assertThat(count).isEqualTo(5_721_832L);
        assertThat(shapes).containsEntry("blocks.11.attn.qkv.weight", Shape.of(576, 192))
                .containsEntry("cls_tokens.tokens", Shape.of(1, 1, 192)).containsEntry("head.1.weight",
                        Shape.of(1000, 192));
    }

    @Test
    void vitFmnistTinyIsTheSizeOfVilFmnistTinyAndKeepsItsPositionEmbeddingFixed() {
        VitBackbone vit = new VitBackbone();
        ModelSpec spec = vit.presets().get("vit-fmnist-tiny");
        long count = vit.parameterShapes(spec, PLUGINS).values().stream().mapToLong(Shape::sizeLong).sum();
        // ViL's fmnist-tiny (patch 7, dim 64, 2 block pairs) has 132,650
        assertThat(count).isEqualTo(132_274L);
        assertThat(VitConfig.of(spec).tokens()).isEqualTo(17); // 4 x 4 patches of 7 and a class token
        assertThat(vit.buffers(spec)).containsExactly("pos_embed.embed");
    }

    @Test
    void namesTheMixerAndHeadItsSpecUsesForSavedModelsToRecord() {
        VitBackbone vit = new VitBackbone();
        ModelSpec spec = vit.presets().get("vit-fmnist-tiny");
        assertThat(vit.pluginNames(spec)).containsExactly(Map.entry("mixer", "attention"), Map.entry("head", "first"));
        assertThat(vit.pluginNames(spec.with("pooling", "mean"))).containsEntry("head", "mean");
    }

    @Test
    void sincosEmbeddingIsKappamodulesRowsThenColumns() {
        float[] e = Initialisers.sincos2d(1, 2, 8); // per axis 4 wide: sin at freq 1 and 0.01, then cos
        float[] second = java.util.Arrays.copyOfRange(e, 8, 16);
        assertThat(second).containsExactly(0f, 0f, 1f, 1f, (float) Math.sin(1), (float) Math.sin(0.01),
                (float) Math.cos(1), (float) Math.cos(0.01));
    }

    @Test
    void aFreshModelRunsInBothModesAndIsDeterministic() {
        ModelSpec spec = new ModelSpec("VisionTransformer", Map.of("dim", 16, "depth", 1, "num_heads", 2,
                "patch_size", 4, "input_shape", List.of(3, 8, 12), "num_outputs", 5, "num_cls_tokens", 2));
        VitBackbone vit = new VitBackbone();
        Map<String, HostTensor> w = vit.initialize(spec, PLUGINS, 3);
        assertThat(w.get("blocks.0.ls1.gamma").data()).containsOnly(1e-4f);
        assertThat(vit.initialize(spec, PLUGINS, 3).get("blocks.0.attn.qkv.weight").data())
                .containsExactly(w.get("blocks.0.attn.qkv.weight").data());
        try (Ops ops = PLUGINS.backend("java").open(null)) {
            BackboneModel model = vit.create(spec, PLUGINS, ops, w, "init");
            float[] image = new float[2 * 3 * 8 * 12];
            for (int i = 0; i < image.length; i++) {
                image[i] = (float) Math.sin(i);
            }
            Map<String, Shape> seen = new HashMap<>();
            Tensor out = model.forward(ops.upload(Shape.of(2, 3, 8, 12), image), (n, t) -> seen.put(n, t.shape()));
            assertThat(out.shape()).isEqualTo(Shape.of(2, 5));
            assertThat(seen).containsEntry("blocks.0", Shape.of(2, 8, 16)).containsEntry("head_norm", Shape.of(2, 16));
            float[] logits = ops.download(out);
            assertThat(logits[0]).isNotCloseTo(logits[5], within(1e-9f)); // two different images

            ModelSpec features = spec.with("mode", "features");
            Map<String, HostTensor> fw = vit.initialize(features, PLUGINS, 3);
            assertThat(fw).doesNotContainKey("head.1.weight");
            Tensor tokens = vit.create(features, PLUGINS, ops, fw, "init")
                    .forward(ops.upload(Shape.of(2, 3, 8, 12), image), (n, t) -> { });
            assertThat(tokens.shape()).isEqualTo(Shape.of(2, 8, 16));
        }
    }

    @Test
    void badConfigurationsAndWeightsAreOneLineErrorsNamingTheCulprit() {
        assertThatThrownBy(() -> VitConfig.of(new ModelSpec("VisionTransformer", Map.of("dim", 16, "depth", 1,
                "num_heads", 3)))).isInstanceOf(Vil4jException.class).hasMessageContaining("3 heads");
        assertThatThrownBy(() -> VitConfig.of(new ModelSpec("VisionTransformer", Map.of("dim", 16, "depth", 1,
                "num_heads", 2, "qkv_bias", false)))).hasMessageContaining("no argument(s) [qkv_bias]");
        ModelSpec spec = new ModelSpec("VisionTransformer", Map.of("dim", 8, "depth", 1, "num_heads", 2,
                "patch_size", 4, "input_shape", List.of(1, 4, 4), "num_outputs", 2));
        Map<String, HostTensor> w = new HashMap<>(new VitBackbone().initialize(spec, PLUGINS, 1));
        w.remove("blocks.0.ls2.gamma");
        w.put("blocks.0.attn.qkv.bias", new HostTensor(Shape.of(8), new float[8]));
        try (Ops ops = PLUGINS.backend("java").open(null)) {
            assertThatThrownBy(() -> new VitBackbone().create(spec, PLUGINS, ops, w, "w.th"))
                    .isInstanceOf(WeightsMismatchException.class).hasMessageContaining("w.th")
                    .hasMessageContaining("missing blocks.0.ls2.gamma")
                    .hasMessageContaining("mis-shaped blocks.0.attn.qkv.bias");
        }
    }
}
