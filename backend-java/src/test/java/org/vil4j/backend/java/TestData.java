package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

/** Random inputs and tolerant comparisons shared by the op tests. */
final class TestData {
    private TestData() {
    }

    static float[] random(long seed, int size, float scale) {
        Random random = new Random(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return values;
    }

    static float[] shifted(float[] values, float shift) {
        float[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += shift;
        }
        return out;
    }

    /** Element-wise {@code |actual - expected| <= relative * |expected| + absolute}. */
    static void assertClose(float[] actual, double[] expected, double relative, double absolute) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(actual[i] - expected[i]);
            if (!(error <= relative * Math.abs(expected[i]) + absolute)) {
                throw new AssertionError("element " + i + ": got " + actual[i] + ", expected " + expected[i]
                        + " (error " + error + ")");
            }
        }
    }

    static void assertClose(float[] actual, float[] expected, double relative, double absolute) {
        double[] wide = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            wide[i] = expected[i];
        }
        assertClose(actual, wide, relative, absolute);
    }

    static double maxAbs(double[] values) {
        double max = 0;
        for (double value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
