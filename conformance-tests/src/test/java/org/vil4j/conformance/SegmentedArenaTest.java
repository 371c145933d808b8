package org.vil4j.conformance;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenCL arena is made of segments (Aparapi buffers stop at 2 GiB). With 16 MiB segments and a parameter that
 * leaves only a little room in the first, a golden model's parameters and activations spread over several segments:
 * its outputs and gradients must still match the official code.
 */
class SegmentedArenaTest {
    private static final int SEGMENT_FLOATS = 1 << 22;

    @ParameterizedTest
    @ValueSource(strings = {"vil2-micro", "vil2-rect-nobias-avg"})
    void aModelSpreadOverSegmentsMatchesTheOfficialCode(String caseName) {
        GoldenCase golden = Backends.golden(caseName);
        System.setProperty("vil4j.opencl.segmentBits", "22");
        Ops ops;
        try {
            ops = Backends.PLUGINS.backend("opencl").open("cpu");
        } finally {
            System.clearProperty("vil4j.opencl.segmentBits");
        }
        try (ops) {
            // fills the first segment but for 16K floats: what comes next straddles or skips its end
            int filler = SEGMENT_FLOATS - (16 << 10) - 64;
            ops.parameter(Shape.of(filler), new float[filler]);
            GoldenRunner runner = new GoldenRunner(Backends.PLUGINS);
            List<TensorComparison> forward = runner.forward(golden, ops, null);
            assertThat(forward).isNotEmpty().allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
            List<TensorComparison> backward = runner.backward(golden, ops);
            assertThat(backward).isNotEmpty().allSatisfy(c -> assertThat(c.passed()).as(c.toString()).isTrue());
            assertThat(ops.peakDeviceBytes()).as("tensors reached a second segment")
                    .isGreaterThan(4L * SEGMENT_FLOATS);
        }
    }
}
