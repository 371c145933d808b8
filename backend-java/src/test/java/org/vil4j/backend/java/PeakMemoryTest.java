package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/** The Java backend's peak bytes: persistent tensors, live workspace tensors and a kernel's working arrays. */
class PeakMemoryTest {
    @Test
    void countsParametersAndLiveTensorsNotReleasedOnes() {
        try (Ops ops = new JavaBackend().open("cpu")) {
            assertThat(ops.peakDeviceBytes()).isZero();
            ops.parameter(Shape.of(1000), new float[1000]);
            assertThat(ops.peakDeviceBytes()).isEqualTo(4000);
            long mark = ops.mark();
            ops.upload(Shape.of(500), new float[500]);
            ops.upload(Shape.of(500), new float[500]);
            assertThat(ops.peakDeviceBytes()).isEqualTo(8000);
            ops.release(mark);
            ops.upload(Shape.of(500), new float[500]); // a reused array after the release: no new peak
            assertThat(ops.peakDeviceBytes()).isEqualTo(8000);
        }
    }

    /** The mLSTM backward's working memory grows linearly with the sequence in the chunkwise form. */
    @Test
    void chunkwiseBackwardMemoryIsLinearInTheSequence() {
        long short1 = backwardPeak(512);
        long long4 = backwardPeak(2048);
        assertThat(long4).isGreaterThan(3 * short1).isLessThan(5 * short1);
    }

    private static long backwardPeak(int seq) {
        try (Ops ops = new JavaBackend().open("cpu")) {
            Shape shape = Shape.of(1, seq, 8);
            Shape gates = Shape.of(1, seq, 2);
            Tensor x = ops.upload(shape, TestData.random(1, shape.size(), 1));
            Tensor g = ops.upload(gates, TestData.random(2, gates.size(), 1));
            ops.mlstmBackward(x, x, x, g, g, x, 2, 1e-6f, MlstmForm.CHUNKWISE, 64);
            return ops.peakDeviceBytes();
        }
    }
}
