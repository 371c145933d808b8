package com.example.vil4j.head;

import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.ParameterLayout;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VisionLstm;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * This project's three plugins, selected by name in a ViL (traversal, mixer, head): the layout holds the weights
 * under the names the plugins declare, and a step on the tape gives every weight a gradient.
 */
class PluginsInAVilTest {
    @Test
    void aVilWithTheExampleMixerAndHeadBuildsAndBackPropagates() {
        Plugins plugins = Plugins.discover();
        VilConfig config = VilConfig.builder().dim(8).depth(1).patchSize(4).input(1, 8, 8).classes(3)
                .mixer("example_global_context").pooling("example_gated_mean").schedule("example_checkerboard").build();
        Map<String, Shape> layout = ParameterLayout.of(config, plugins);
        assertThat(layout).containsEntry("pooling.gate", Shape.of(8))
                .containsEntry("blocks.0.rowwise_from_top_left.layer.global.weight", Shape.of(8, 8)) // reference names
                .containsEntry("head.weight", Shape.of(3, 8));
        Map<String, HostTensor> weights = VilInitializer.initialize(config, plugins, 1);
        assertThat(weights.get("pooling.gate").data()).containsOnly(1f);
        try (Ops ops = plugins.backend("java").open(null)) {
            GradientTape tape = new GradientTape(ops);
            VisionLstm vil = new VisionLstm(config, plugins, tape, weights, "init");
            tape.begin();
            try {
                float[] image = new float[2 * 64];
                for (int i = 0; i < image.length; i++) {
                    image[i] = (float) Math.sin(i);
                }
                Tensor out = vil.forward(tape.upload(Shape.of(2, 1, 8, 8), image), (n, t) -> { });
                assertThat(out.shape()).isEqualTo(Shape.of(2, 3));
                Map<Tensor, Tensor> grads = tape.backward(out, tape.upload(out.shape(), new float[]{1, 0, -1, 0, 1,
                        0}));
                vil.parameters().forEach((name, p) -> assertThat(grads).as(name).containsKey(p));
            } finally {
                tape.end();
            }
        }
    }
}
