package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.DeviceMemoryExhaustedException;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/** The tensor arena's bound: a typed error when it is reached, and nothing made before it is lost. */
class ArenaBoundTest {
    @AfterEach
    void clear() {
        System.clearProperty(OpenCLBackend.MAX_ARENA_PROPERTY);
    }

    @Test
    void reachingTheBoundIsTypedAndKeepsWhatWasMade() {
        System.setProperty(OpenCLBackend.MAX_ARENA_PROPERTY, "16");
        try (Ops ops = new OpenCLBackend().open("cpu")) {
            float[] values = {1, 2, 3, 4, 5, 6};
            Tensor kept = ops.upload(Shape.of(2, 3), values);
            Tensor doubled = ops.add(kept, kept);
            int tooMany = 5 << 20; // 20 MiB of floats
            assertThatThrownBy(() -> ops.upload(Shape.of(tooMany), new float[tooMany]))
                    .isInstanceOfSatisfying(DeviceMemoryExhaustedException.class, e -> {
                        assertThat(e.limitBytes()).isEqualTo(16L << 20);
                        assertThat(e.requestedBytes()).isGreaterThan(4L * tooMany);
                        assertThat(e.getMessage()).contains("do not fit the arena (at most 16777216 bytes)");
                    });
            assertThat(ops.download(kept)).containsExactly(values);
            assertThat(ops.download(doubled)).containsExactly(2, 4, 6, 8, 10, 12);
            Tensor after = ops.upload(Shape.of(1 << 20), new float[1 << 20]);
            assertThat(ops.download(ops.add(kept, kept))).containsExactly(2, 4, 6, 8, 10, 12);
            assertThat(after.shape().size()).isEqualTo(1 << 20);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lots", "1", "15", "2048", "-3"})
    void aBoundOutsideTheArenasRangeIsRefusedByName(String value) {
        System.setProperty(OpenCLBackend.MAX_ARENA_PROPERTY, value);
        assertThatThrownBy(() -> new OpenCLBackend().open("cpu")).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("-Dvil4j.opencl.maxArenaMiB=" + value)
                .hasMessageContaining("between 16 and 2047");
    }
}
