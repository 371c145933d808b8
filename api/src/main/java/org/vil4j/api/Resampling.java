package org.vil4j.api;

/**
 * The one-dimensional factors of {@link Ops#resample2d}: {@code [out, in]} row-stochastic matrices, row o the weights
 * output position o gives the input positions. Bilinear resizing and adaptive average pooling are separable, so two
 * such matrices describe them on a grid.
 */
public final class Resampling {
    private Resampling() {
    }

    /**
     * Linear interpolation from {@code in} to {@code out} samples as torch's {@code interpolate(mode="bilinear")}:
     * with {@code alignCorners} the end samples coincide ({@code src = o * (in - 1) / (out - 1)}); without, the
     * sample centres are scaled ({@code src = (o + 0.5) * in / out - 0.5}, clamped at 0).
     */
    public static float[] bilinear(int in, int out, boolean alignCorners) {
        check(in, out);
        float[] m = new float[out * in];
        for (int o = 0; o < out; o++) {
            double src;
            if (alignCorners) {
                src = out == 1 ? 0 : (double) o * (in - 1) / (out - 1);
            } else {
                src = Math.max(0, (o + 0.5) * in / out - 0.5);
            }
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double lambda = src - i0;
            m[o * in + i0] += (float) (1 - lambda);
            m[o * in + i1] += (float) lambda;
        }
        return m;
    }

    /**
     * torch's {@code adaptive_avg_pool}: output o averages inputs {@code [floor(o * in / out), ceil((o + 1) * in /
     * out))}.
     */
    public static float[] adaptiveAverage(int in, int out) {
        check(in, out);
        float[] m = new float[out * in];
        for (int o = 0; o < out; o++) {
            int start = (int) Math.floor((double) o * in / out);
            int end = (int) Math.ceil((double) (o + 1) * in / out);
            for (int i = start; i < end; i++) {
                m[o * in + i] = 1f / (end - start);
            }
        }
        return m;
    }

    private static void check(int in, int out) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("resampling " + in + " samples to " + out);
        }
    }
}
