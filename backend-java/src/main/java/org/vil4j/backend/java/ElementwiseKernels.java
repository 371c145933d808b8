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
        // the per-feature factor in double, as the loop used to form it
        double[] scale = weight == null ? null : new double[cols];
        if (scale != null) {
            for (int f = 0; f < cols; f++) {
                scale[f] = residualWeight ? 1.0 + weight[f] : weight[f];
            }
        }
        Parallel.forRange(rows, 4L * cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int g = r * cols; g < (r + 1) * cols; g += groupSize) {
                    double mean = groupSum(x, g, groupSize) / groupSize;
                    double squares = groupSquares(x, g, groupSize, mean);
                    double inverseStd = 1.0 / Math.sqrt(squares / groupSize + eps);
                    int f0 = -r * cols; // element i holds feature i + f0
                    // one loop per case, so the loop body has no branch
                    if (scale == null && bias == null) {
                        for (int i = g; i < g + groupSize; i++) {
                            out[i] = (float) ((x[i] - mean) * inverseStd);
                        }
                    } else if (bias == null) {
                        for (int i = g; i < g + groupSize; i++) {
                            out[i] = (float) ((x[i] - mean) * inverseStd * scale[i + f0]);
                        }
                    } else if (scale == null) {
                        for (int i = g; i < g + groupSize; i++) {
                            out[i] = (float) ((x[i] - mean) * inverseStd + bias[i + f0]);
                        }
                    } else {
                        for (int i = g; i < g + groupSize; i++) {
                            out[i] = (float) ((x[i] - mean) * inverseStd * scale[i + f0] + bias[i + f0]);
                        }
                    }
                }
            }
        });
    }

    /**
     * Sum of {@code x[g .. g+n)} in double, in four interleaved partial sums: one running sum waits on each add, four
     * keep the adder busy (the result differs from a left-to-right sum only in double's last bits).
     */
    static double groupSum(float[] x, int g, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = g;
        for (int end = g + n - 3; i < end; i += 4) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
        }
        for (; i < g + n; i++) {
            s0 += x[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Sum of {@code (x[i] - mean)^2} over {@code [g, g+n)}, in double, as {@link #groupSum}. */
    static double groupSquares(float[] x, int g, int n, double mean) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = g;
        for (int end = g + n - 3; i < end; i += 4) {
            double d0 = x[i] - mean, d1 = x[i + 1] - mean, d2 = x[i + 2] - mean, d3 = x[i + 3] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; i < g + n; i++) {
            double d = x[i] - mean;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
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
