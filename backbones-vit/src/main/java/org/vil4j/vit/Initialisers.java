package org.vil4j.vit;

import java.util.SplittableRandom;

/** The reference's random initialisers (torch.nn.init), drawn from one seeded generator. */
final class Initialisers {
    private Initialisers() {
    }

    /** xavier_uniform_: U(-a, a), a = sqrt(6 / (fanIn + fanOut)). */
    static void xavierUniform(SplittableRandom r, float[] v, int fanIn, int fanOut) {
        uniform(r, v, Math.sqrt(6.0 / (fanIn + fanOut)));
    }

    static void uniform(SplittableRandom r, float[] v, double bound) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
    }

    static void normal(SplittableRandom r, float[] v, double std) {
        for (int i = 0; i < v.length; i++) {
            double u1 = 1.0 - r.nextDouble(), u2 = r.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) * std);
        }
    }

    /**
     * kappamodules' fixed 2-D sin-cos embedding ({@code get_sincos_pos_embed_from_seqlens}, indexing "ij"):
     * {@code [h, w, dim]}, the first half (of dim rounded down to even) from the row, the second from the column,
     * each [sin | cos] over frequencies 10000^(-2j/d); zeros pad what does not divide.
     */
    static float[] sincos2d(int h, int w, int dim) {
        int axisDim = dim / 2;
        int padAxis = axisDim % 2; // a 1-d embedding of odd width pads one zero
        int freqs = (axisDim - padAxis) / 2;
        float[] out = new float[h * w * dim];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int base = (r * w + c) * dim;
                for (int axis = 0; axis < 2; axis++) {
                    double pos = axis == 0 ? r : c;
                    int off = base + axis * axisDim;
                    for (int j = 0; j < freqs; j++) {
                        double omega = 1.0 / Math.pow(10000, (2.0 * j) / (axisDim - padAxis));
                        out[off + j] = (float) Math.sin(pos * omega);
                        out[off + freqs + j] = (float) Math.cos(pos * omega);
                    }
                }
            }
        }
        return out;
    }
}
