package org.vil4j.conformance.tests;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.vil.VilConfig;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tape's early frees ({@link GradientTape#freeEarly}) change memory, never values: a ViL training step gives
 * bit-identical losses and gradients with and without them, on both backends, and on OpenCL its peak falls.
 */
class TapeFreesEarlyTest {
    /** The loss and every gradient of one step on {@code ops}; {@code tapeOut[0]} gets the tape. */
    private static Map<String, float[]> step(Ops ops, VilConfig config, int batch, boolean freeEarly,
                                             GradientTape[] tapeOut) {
        RecordedStep.Result r = RecordedStep.run(ops, config, batch, 5, 0.1, tape -> tape.freeEarly(freeEarly));
        tapeOut[0] = r.tape();
        return r.values();
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "opencl"})
    void gradientsAreBitIdenticalWithAndWithoutEarlyFrees(String backend) {
        Ops ops = Backends.ops(backend);
        VilConfig config = RecordedStep.config(16);
        GradientTape[] tape = new GradientTape[1];
        Map<String, float[]> kept = step(ops, config, 4, false, tape);
        Map<String, float[]> freed = step(ops, config, 4, true, tape);
        assertThat(tape[0].unfreedAllocations()).as("dead allocations left to the step's end").isZero();
        assertThat(freed.keySet()).isEqualTo(kept.keySet());
        assertThat(kept.values()).doesNotContainNull();
        kept.forEach((name, values) -> assertThat(freed.get(name)).as(name).containsExactly(values));
    }

    @Test
    void theStepsPeakFallsOnOpenCL() {
        VilConfig config = RecordedStep.config(32); // 64 tokens
        try (Ops ops = Backends.PLUGINS.backend("opencl").open(null)) {
            GradientTape[] tape = new GradientTape[1];
            step(ops, config, 32, true, tape);
            long freeing = ops.peakDeviceBytes();
            step(ops, config, 32, false, tape);
            long keeping = ops.peakDeviceBytes();
            System.out.printf("TapeFreesEarlyTest: peak %,d bytes freeing early, %,d keeping everything (%.1f%%)%n",
                    freeing, keeping, 100.0 * freeing / keeping);
            assertThat(freeing).isLessThan(keeping / 2); // measured 34.7%
        }
    }
}
