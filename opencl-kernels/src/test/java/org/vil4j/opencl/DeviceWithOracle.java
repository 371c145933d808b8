package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.vil4j.api.Ops;
import org.vil4j.backend.java.JavaBackend;

import static org.assertj.core.api.Assertions.assertThat;

/** Base of tests that hold an OpenCL op set against the java oracle: both opened once per test class. */
abstract class DeviceWithOracle {
    static Ops device;
    static Ops oracle;

    @BeforeAll
    static void open() {
        device = new OpenCLBackend().open(null);
        oracle = new JavaBackend().open(null);
    }

    @AfterAll
    static void close() {
        device.close();
        oracle.close();
    }

    /** Every element within {@code 1e-5} of the expected tensor's largest magnitude (at least 1). */
    static void assertNear(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        float max = 0;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < actual.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).as("element %d", i)
                    .isLessThanOrEqualTo(1e-5f * Math.max(1, max));
        }
    }
}
