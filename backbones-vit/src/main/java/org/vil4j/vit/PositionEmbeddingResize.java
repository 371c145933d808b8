package org.vil4j.vit;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;

/**
 * What the reference's {@code load_state_dict} does to a position embedding made for another grid
 * ({@code interpolate_sincos}: {@code F.interpolate(mode="bicubic", align_corners=False)} over (h, w)): source
 * coordinate {@code (dst + 0.5) * in/out - 0.5}, not clamped; Keys cubic with A = -0.75; border taps clamped.
 * Separable, in double.
 */
public final class PositionEmbeddingResize {
    private static final double A = -0.75;

    private PositionEmbeddingResize() {
    }

    /** {@code [1, h, w, dim]} to {@code [1, outH, outW, dim]}; the same tensor when the grid already fits. */
    public static HostTensor resize(HostTensor embed, int outH, int outW) {
        Shape s = embed.shape();
        if (s.rank() != 4 || s.dim(0) != 1) {
            throw new IllegalArgumentException("position embedding must be [1, h, w, dim], got " + s);
        }
        int inH = s.dim(1), inW = s.dim(2), dim = s.dim(3);
        if (inH == outH && inW == outW) {
            return embed;
        }
        double[][] wy = weights(inH, outH), wx = weights(inW, outW);
        float[] in = embed.data();
        float[] out = new float[outH * outW * dim];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                int o = (oy * outW + ox) * dim;
                for (int iy = 0; iy < inH; iy++) {
                    if (wy[oy][iy] == 0) {
                        continue;
                    }
                    for (int ix = 0; ix < inW; ix++) {
                        double w = wy[oy][iy] * wx[ox][ix];
                        if (w == 0) {
                            continue;
                        }
                        int i = (iy * inW + ix) * dim;
                        for (int d = 0; d < dim; d++) {
                            out[o + d] += (float) (w * in[i + d]);
                        }
                    }
                }
            }
        }
        return new HostTensor(Shape.of(1, outH, outW, dim), out);
    }

    /** [out][in]: each output index's weight on every input index along one axis. */
    private static double[][] weights(int in, int out) {
        double scale = (double) in / out;
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            double real = scale * (o + 0.5) - 0.5;
            int i0 = (int) Math.floor(real);
            double t = real - i0;
            double[] c = {far(t + 1), near(t), near(1 - t), far(2 - t)};
            for (int k = 0; k < 4; k++) {
                w[o][Math.min(Math.max(i0 - 1 + k, 0), in - 1)] += c[k];
            }
        }
        return w;
    }

    private static double near(double x) { // |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double far(double x) { // 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
