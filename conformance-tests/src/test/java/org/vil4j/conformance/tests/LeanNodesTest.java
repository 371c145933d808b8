package org.vil4j.conformance.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.autodiff.CrossEntropy;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VisionLstm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tape's lean records ({@link GradientTape#leanNodes}: the cell from its inputs, the convolution with its SiLU,
 * the output norm with its skip gate, the pre-norm with its gather and the down-projection with its residual add, each
 * one node that forms its intermediates again in the backward or never keeps them) change memory, not values: a ViL step's loss and gradients agree with the compositions' on both backends, and on OpenCL the
 * activations a recorded forward keeps shrink.
 */
class LeanNodesTest {
    private static VilConfig config(int side) {
        return VilConfig.fromReference("VisionLSTM2", Map.of("dim", 32, "depth", 2, "patch_size", 4,
                "input_shape", List.of(1, side, side), "output_shape", List.of(10), "pooling", "bilateral_flatten",
                "legacy_norm", true));
    }

    /** The loss and every gradient of one step; {@code keptBytes[0]} gets the device bytes the forward left live. */
    private static Map<String, float[]> step(Ops ops, VilConfig config, int batch, boolean lean, long[] keptBytes) {
        Map<String, HostTensor> init = VilInitializer.initialize(config, 3);
        GradientTape tape = new GradientTape(ops);
        tape.leanNodes(lean);
        VisionLstm vil = new VisionLstm(config, Backends.PLUGINS, tape, init, "init");
        int side = config.height();
        Random random = new Random(17);
        float[] images = new float[batch * side * side];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian();
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(10);
        }
        Map<String, float[]> computed = new LinkedHashMap<>();
        tape.trackInputs(true);
        tape.begin();
        try {
            Tensor x = tape.upload(Shape.of(batch, 1, side, side), images);
            long before = ops.liveDeviceBytes();
            Tensor logits = vil.forward(x, org.vil4j.vil.ActivationSink.NONE);
            keptBytes[0] = ops.liveDeviceBytes() - before;
            CrossEntropy.Result ce = CrossEntropy.of(tape.download(logits), labels, 10, 0.0);
            computed.put("loss", new float[]{(float) ce.loss()});
            Map<Tensor, Tensor> grads = tape.backward(logits, tape.upload(logits.shape(), ce.gradient()));
            computed.put("grad.input", tape.download(grads.get(x)));
            vil.parameters().forEach((name, p) -> computed.put("grad." + name, tape.download(grads.get(p))));
        } finally {
            tape.end();
        }
        return computed;
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "opencl"})
    void gradientsAgreeWithTheCompositions(String backend) {
        Ops ops = Backends.ops(backend);
        long[] kept = new long[1];
        Map<String, float[]> composed = step(ops, config(16), 3, false, kept);
        Map<String, float[]> lean = step(ops, config(16), 3, true, kept);
        assertThat(lean.keySet()).isEqualTo(composed.keySet());
        composed.forEach((name, expected) -> {
            float[] actual = lean.get(name);
            assertThat(actual).as(name).hasSameSizeAs(expected);
            double max = 0;
            double err = 0;
            for (int i = 0; i < expected.length; i++) {
                max = Math.max(max, Math.abs(expected[i]));
                err = Math.max(err, Math.abs(actual[i] - expected[i]));
            }
            assertThat(max).as(name + " is all zeros").isPositive();
            assertThat(err / max).as(name + ": largest difference relative to the largest value").isLessThan(1e-5);
        });
    }

    @Test
    void aRecordedForwardKeepsLessOnOpenCL() {
        try (Ops ops = Backends.PLUGINS.backend("opencl").open(null)) {
            long[] composed = new long[1];
            long[] lean = new long[1];
            step(ops, config(32), 8, false, composed);
            step(ops, config(32), 8, true, lean);
            System.out.printf("LeanNodesTest: the recorded forward keeps %,d bytes (compositions: %,d, %.1f%%)%n",
                    lean[0], composed[0], 100.0 * lean[0] / composed[0]);
            // no block keeps q, k, v, the gates, q | k | v, the convolution before its SiLU, the normalised
            // tensors or the projection before its add (measured 39% of the compositions' here)
            assertThat(lean[0]).isLessThan(composed[0] / 2);
        }
    }
}
