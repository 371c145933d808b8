package org.vil4j.backend.java;

import java.util.Arrays;

/** Loops for the depthwise convolution over neighbour tables and for im2col; the callers have checked shapes. */
final class ConvolutionKernels {
    private ConvolutionKernels() {
    }

    /**
     * x {@code [B, S, C]}, neighbours {@code [S, K]}, w {@code [C, K]}: {@code out[b, s, c] = bias[c] + sum_k
     * w[c, k] * x[b, nb[s, k], c]}. The weight is transposed to {@code [K, C]} first so that every inner loop runs
     * along the contiguous channels of one token.
     */
    static void depthwise(float[] x, int[] neighbours, float[] w, float[] bias, float[] out, int batch, int seq,
                          int channels, int taps) {
        float[] wT = new float[taps * channels];
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < taps; k++) {
                wT[k * channels + c] = w[c * taps + k];
            }
        }
        Parallel.forRange(batch * seq, (long) taps * channels, (from, to) -> {
            for (int item = from; item < to; item++) {
                int b = item / seq;
                int s = item % seq;
                int target = item * channels;
                Arrays.fill(out, target, target + channels, 0f);
                for (int k = 0; k < taps; k++) {
                    int source = neighbours[s * taps + k];
                    if (source < 0) {
                        continue;
                    }
                    int xStart = (b * seq + source) * channels;
                    int wStart = k * channels;
                    for (int c = 0; c < channels; c++) {
                        out[target + c] += wT[wStart + c] * x[xStart + c];
                    }
                }
                if (bias != null) {
                    for (int c = 0; c < channels; c++) {
                        out[target + c] = bias[c] + out[target + c];
                    }
                }
            }
        });
    }

    /**
     * x {@code [B, C, H, W]} to rows {@code [B, outH*outW, C*ph*pw]}, each row ordered (c, ky, kx) like a flattened
     * Conv2d weight, so a patch-embedding convolution becomes a linear.
     */
    static void patchify(float[] x, float[] out, int batch, int channels, int height, int width, int ph, int pw,
                         int sh, int sw, int outH, int outW) {
        int rowLength = channels * ph * pw;
        int patches = outH * outW;
        Parallel.forRange(batch * patches, rowLength, (from, to) -> {
            for (int item = from; item < to; item++) {
                int b = item / patches;
                int py = (item % patches) / outW;
                int px = item % outW;
                int target = item * rowLength;
                for (int c = 0; c < channels; c++) {
                    for (int ky = 0; ky < ph; ky++) {
                        int source = ((b * channels + c) * height + py * sh + ky) * width + px * sw;
                        System.arraycopy(x, source, out, target, pw);
                        target += pw;
                    }
                }
            }
        });
    }
}
