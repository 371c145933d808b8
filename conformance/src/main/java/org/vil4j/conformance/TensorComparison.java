package org.vil4j.conformance;

import org.vil4j.api.Shape;

/**
 * One expected tensor against what a backend computed: {@code max|actual - expected| / max|expected|}.
 *
 * @param name      tensor name in the case file ("output", "act.blocks.0", "h")
 * @param shape     its shape
 * @param maxError  largest absolute difference
 * @param maxExpected largest absolute expected value
 * @param tolerance bound on the relative error
 */
public record TensorComparison(String name, Shape shape, double maxError, double maxExpected, double tolerance) {
    public double relativeError() {
        return maxExpected == 0 ? maxError : maxError / maxExpected;
    }

    public boolean passed() {
        return relativeError() <= tolerance; // NaN fails
    }

    static TensorComparison of(String name, Shape shape, float[] actual, double[] expected, double tolerance) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(name + ": computed " + actual.length + " values, expected "
                    + expected.length);
        }
        double err = 0, max = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            err = Double.isNaN(d) || d > err ? d : err;
            if (Double.isNaN(err)) {
                break;
            }
            max = Math.max(max, Math.abs(expected[i]));
        }
        return new TensorComparison(name, shape, err, max, tolerance);
    }

    @Override
    public String toString() {
        return String.format("%-4s %-60s %-16s rel.err %.3e (tol %.0e)", passed() ? "ok" : "FAIL", name, shape,
                relativeError(), tolerance);
    }
}
