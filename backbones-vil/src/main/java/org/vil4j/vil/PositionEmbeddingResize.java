package org.vil4j.vil;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;

/**
 * Resizes a position embedding [1, h, w, dim] to another token grid the way the reference's load_state_dict does
 * (interpolate_sincos: torch.nn.functional.interpolate(mode="bicubic", align_corners=False) over (h, w)), in double
 * precision, separably: rows first, then columns (the 2-D bicubic kernel is the product of the two axes' weights).
 */
public final class PositionEmbeddingResize {
    private PositionEmbeddingResize() {
    }

    public static HostTensor resize(HostTensor embed, int outH, int outW) {
        Shape s = embed.shape();
        if (s.rank() != 4 || s.dim(0) != 1) {
            throw new IllegalArgumentException("position embedding must be [1, h, w, dim], got " + s);
        }
        int inH = s.dim(1), inW = s.dim(2), dim = s.dim(3);
        if (inH == outH && inW == outW) {
            return embed;
        }
        double[][] wy = BicubicResize.axis(inH, outH);
        double[][] wx = BicubicResize.axis(inW, outW);
        float[] in = embed.data();
        double[] rows = new double[outH * inW * dim];
        for (int oy = 0; oy < outH; oy++) {
            for (int iy = 0; iy < inH; iy++) {
                double w = wy[oy][iy];
                if (w == 0) {
                    continue;
                }
                for (int ix = 0; ix < inW; ix++) {
                    int src = (iy * inW + ix) * dim, dst = (oy * inW + ix) * dim;
                    for (int c = 0; c < dim; c++) {
                        rows[dst + c] += w * in[src + c];
                    }
                }
            }
        }
        float[] out = new float[outH * outW * dim];
        double[] acc = new double[dim];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                java.util.Arrays.fill(acc, 0);
                for (int ix = 0; ix < inW; ix++) {
                    double w = wx[ox][ix];
                    if (w == 0) {
                        continue;
                    }
                    int src = (oy * inW + ix) * dim;
                    for (int c = 0; c < dim; c++) {
                        acc[c] += w * rows[src + c];
                    }
                }
                int dst = (oy * outW + ox) * dim;
                for (int c = 0; c < dim; c++) {
                    out[dst + c] = (float) acc[c];
                }
            }
        }
        return new HostTensor(Shape.of(1, outH, outW, dim), out);
    }
}
