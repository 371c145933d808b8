package org.vil4j.conformance.tests;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.Ops;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.VilConfig;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tape's lean records ({@link GradientTape#leanNodes}: the cell from its inputs, the convolution with its SiLU,
 * the output norm with its skip gate, the pre-norm with its gather and the down-projection with its residual add, each
 * one node that forms its intermediates again in the backward or never keeps them) change memory, not values: a
 * ViL step's loss and gradients agree with the compositions' on both backends, and on OpenCL the
 * activations a recorded forward keeps shrink.
 */
class LeanNodesTest {
    /** The loss and every gradient of one step; {@code keptBytes[0]} gets the device bytes the forward left live. */
    private static Map<String, float[]> step(Ops ops, VilConfig config, int batch, boolean lean, long[] keptBytes) {
        RecordedStep.Result r = RecordedStep.run(ops, config, batch, 3, 0.0, tape -> tape.leanNodes(lean));
        keptBytes[0] = r.forwardKeptBytes();
        return r.values();
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "opencl"})
    void gradientsAgreeWithTheCompositions(String backend) {
        Ops ops = Backends.ops(backend);
        long[] kept = new long[1];
        Map<String, float[]> composed = step(ops, RecordedStep.config(16), 3, false, kept);
        Map<String, float[]> lean = step(ops, RecordedStep.config(16), 3, true, kept);
        assertThat(lean.keySet()).isEqualTo(composed.keySet());
        assertThat(composed.values()).as("every parameter has a gradient").doesNotContainNull();
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
            step(ops, RecordedStep.config(32), 8, false, composed);
            step(ops, RecordedStep.config(32), 8, true, lean);
            System.out.printf("LeanNodesTest: the recorded forward keeps %,d bytes (compositions: %,d, %.1f%%)%n",
                    lean[0], composed[0], 100.0 * lean[0] / composed[0]);
            // no block keeps q, k, v, the gates, q | k | v, the convolution before its SiLU, the normalised
            // tensors or the projection before its add (measured 39% of the compositions' here)
            assertThat(lean[0]).isLessThan(composed[0] / 2);
        }
    }
}
