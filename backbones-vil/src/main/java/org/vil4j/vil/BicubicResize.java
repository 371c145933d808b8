package org.vil4j.vil;

/**
 * Bicubic resampling as a matrix, exactly as torch.nn.functional.interpolate(mode="bicubic", align_corners=False):
 * source coordinate (dst + 0.5) * in/out - 0.5 (not clamped), Keys cubic with A = -0.75, border indices clamped.
 * Written as a matrix so the resize is one matmul on the device, and its gradient the transposed matmul.
 */
public final class BicubicResize {
    private static final double A = -0.75;

    private BicubicResize() {
    }

    /** [outH*outW, inH*inW] row-major: out = M @ in for grids flattened row-major. */
    public static float[] matrix(int inH, int inW, int outH, int outW) {
        double[][] wy = axis(inH, outH);
        double[][] wx = axis(inW, outW);
        float[] m = new float[outH * outW * inH * inW];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                int row = (oy * outW + ox) * inH * inW;
                for (int iy = 0; iy < inH; iy++) {
                    for (int ix = 0; ix < inW; ix++) {
                        m[row + iy * inW + ix] = (float) (wy[oy][iy] * wx[ox][ix]);
                    }
                }
            }
        }
        return m;
    }

    /** Weight of every input index for every output index along one axis (clamped taps accumulate). */
    static double[][] axis(int in, int out) {
        double scale = (double) in / out;
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            double real = scale * (o + 0.5) - 0.5;
            int i0 = (int) Math.floor(real);
            double t = real - i0;
            double[] c = {cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)};
            for (int k = 0; k < 4; k++) {
                int idx = Math.min(Math.max(i0 - 1 + k, 0), in - 1);
                w[o][idx] += c[k];
            }
        }
        return w;
    }

    private static double cubicNear(double x) { // |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double cubicFar(double x) { // 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
