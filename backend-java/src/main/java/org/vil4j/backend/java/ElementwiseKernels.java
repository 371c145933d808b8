package org.vil4j.backend.java;

/** Loops for layer norm and the element-wise ops; the callers have checked the shapes. */
final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    /**
     * Normalises each group of {@code groupSize} consecutive features of every row; statistics in double, with the
     * biased variance computed around the mean in a second pass (no cancellation for rows with a large mean).
     */
    static void layerNorm(float[] x, float[] out, int rows, int cols, int groupSize, float[] weight,
                          boolean residualWeight, float[] bias, float eps) {
        Parallel.forRange(rows, 4L * cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int g = r * cols; g < (r + 1) * cols; g += groupSize) {
                    double sum = 0;
                    for (int i = g; i < g + groupSize; i++) {
                        sum += x[i];
                    }
                    double mean = sum / groupSize;
                    double squares = 0;
                    for (int i = g; i < g + groupSize; i++) {
                        double deviation = x[i] - mean;
                        squares += deviation * deviation;
                    }
                    double inverseStd = 1.0 / Math.sqrt(squares / groupSize + eps);
                    int feature = g - r * cols;
                    for (int i = g; i < g + groupSize; i++, feature++) {
                        double y = (x[i] - mean) * inverseStd;
                        if (weight != null) {
                            y *= residualWeight ? 1.0 + weight[feature] : weight[feature];
                        }
                        if (bias != null) {
                            y += bias[feature];
                        }
                        out[i] = (float) y;
                    }
                }
            }
        });
    }

    /** {@code out[i] = a[i] + b[i mod |b|]}: b is a's shape or its trailing dimensions. */
    static void add(float[] a, float[] b, float[] out) {
        int period = b.length;
        if (period == 0) {
            return;
        }
        int repeats = a.length / period;
        if (repeats < 4 * Parallel.threads()) {
            // few repeats (a gradient added to one of its own shape): split the elements, not the repeats, or one
            // thread does it all
            Parallel.forRange(a.length, 1, (from, to) -> {
                int j = from % period;
                for (int i = from; i < to; i++) {
                    out[i] = a[i] + b[j];
                    if (++j == period) {
                        j = 0;
                    }
                }
            });
            return;
        }
        Parallel.forRange(repeats, period, (from, to) -> {
            for (int rep = from; rep < to; rep++) {
                int base = rep * period;
                for (int i = 0; i < period; i++) {
                    out[base + i] = a[base + i] + b[i];
                }
            }
        });
    }

    static void mul(float[] a, float[] b, float[] out) {
        Parallel.forRange(a.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = a[i] * b[i];
            }
        });
    }

    static void scale(float[] x, float s, float[] out) {
        Parallel.forRange(x.length, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = x[i] * s;
            }
        });
    }

    static void silu(float[] x, float[] out) {
        Parallel.forRange(x.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = silu(x[i]);
            }
        });
    }

    /** {@code (h + skip[c] * a) * silu(z)} over rows of {@code cols} features. */
    static void skipGate(float[] h, float[] skip, float[] a, float[] z, float[] out, int cols) {
        Parallel.forRange(h.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = (h[i] + skip[i % cols] * a[i]) * silu(z[i]);
            }
        });
    }

    /** {@code x * sigmoid(x)}; exp(-x) overflowing to infinity gives the right limit, -0. */
    static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }
}
