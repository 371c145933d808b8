package org.vil4j.conformance.tests;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.CrossEntropy;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.ParameterLayout;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VisionLstm;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ViL backbone composes whatever mixer and head the configuration names: a ViL with the attention mixer (a
 * plugin from another module) and the mean or first-token head builds, names its layers after the mixer's
 * declarations, sizes its classifier by the head, runs on both backends alike and trains (every parameter gets a
 * gradient).
 */
class AnyMixerAnyHeadTest {
    @ParameterizedTest(name = "mixer {0}, head {1}")
    @CsvSource({"attention, mean", "attention, first", "mlstm, mean", "mlstm, bilateral_flatten"})
    void aVilComposesTheNamedPlugins(String mixer, String head) {
        VilConfig config = VilConfig.builder().dim(8).depth(1).patchSize(4).input(1, 8, 12).classes(3)
                .pooling(head).mixer(mixer).build();
        Map<String, Shape> layout = ParameterLayout.of(config, Backends.PLUGINS);
        assertThat(layout).containsKey("blocks.0.rowwise_from_top_left.layer."
                + (mixer.equals("attention") ? "qkv.weight" : "mlstm_cell.igate.weight"));
        int width = Backends.PLUGINS.head(head).outputDim(8);
        assertThat(layout).containsEntry("head.weight", Shape.of(3, width));
        Map<String, HostTensor> weights = VilInitializer.initialize(config, Backends.PLUGINS, 4);
        float[] image = new float[2 * 8 * 12];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) Math.cos(0.37 * i);
        }
        float[] java = null;
        for (String backend : new String[]{"java", "opencl"}) {
            Ops ops = Backends.ops(backend);
            GradientTape tape = new GradientTape(ops);
            VisionLstm model = new VisionLstm(config, Backends.PLUGINS, tape, weights, "init");
            tape.begin();
            try {
                Tensor out = model.forward(tape.upload(Shape.of(2, 1, 8, 12), image), (n, t) -> { });
                float[] logits = tape.download(out);
                if (java == null) {
                    java = logits;
                } else {
                    for (int i = 0; i < logits.length; i++) {
                        assertThat((double) logits[i]).as("logit %s on %s", i, backend)
                                .isCloseTo(java[i], org.assertj.core.data.Offset.offset(1e-4 * max(java)));
                    }
                }
                CrossEntropy.Result loss = CrossEntropy.of(logits, new int[]{0, 2}, 3, 0.0);
                Map<Tensor, Tensor> grads = tape.backward(out, tape.upload(out.shape(), loss.gradient()));
                model.parameters().forEach((name, p) -> assertThat(grads).as("gradient of %s", name).containsKey(p));
            } finally {
                tape.end();
            }
        }
    }

    private static double max(float[] v) {
        double m = 1e-6;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
