package org.vil4j.backend.java;

import java.util.Arrays;

/** Loops of the backward passes; the callers have checked the shapes. Reductions go through per-chunk partials. */
final class GradientKernels {
    private GradientKernels() {
    }

    /** {@code out[m] = sum_r x[r, m]}: rows split into chunks, each summing into its own double partial. */
    static void columnSums(float[] x, float[] out, int rows, int cols) {
        double[] total = new double[cols];
        int chunks = Math.max(1, Math.min(rows, Parallel.threads() * 2));
        double[][] partial = new double[chunks][cols];
        Parallel.forRange(chunks, (long) rows * cols / chunks, (from, to) -> {
            for (int chunk = from; chunk < to; chunk++) {
                double[] acc = partial[chunk];
                int r0 = (int) ((long) rows * chunk / chunks);
                int r1 = (int) ((long) rows * (chunk + 1) / chunks);
                for (int r = r0; r < r1; r++) {
                    int base = r * cols;
                    for (int c = 0; c < cols; c++) {
                        acc[c] += x[base + c];
                    }
                }
            }
        });
        for (double[] acc : partial) {
            for (int c = 0; c < cols; c++) {
                total[c] += acc[c];
            }
        }
        for (int c = 0; c < cols; c++) {
            out[c] = (float) total[c];
        }
    }

    /**
     * {@code out[m, k] = sum_r dy[r, m] x[r, k]} as a sum of outer products: each chunk of rows adds into its own
     * partial {@code [M, K]}, four rows at a time so each partial row is loaded and stored once per four products;
     * the inner loop runs along contiguous k (it vectorises).
     */
    static void linearWeightGradient(float[] x, float[] dy, float[] out, int rows, int depth, int outFeatures) {
        int size = outFeatures * depth;
        int chunks = Math.max(1, Math.min(rows / 16 + 1, Parallel.threads()));
        float[][] partial = new float[chunks][];
        Parallel.forRange(chunks, (long) rows * size / chunks, (from, to) -> {
            for (int chunk = from; chunk < to; chunk++) {
                float[] acc = new float[size];
                int r0 = (int) ((long) rows * chunk / chunks);
                int r1 = (int) ((long) rows * (chunk + 1) / chunks);
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    int x0 = r * depth;
                    int x1 = x0 + depth;
                    int x2 = x1 + depth;
                    int x3 = x2 + depth;
                    for (int m = 0; m < outFeatures; m++) {
                        float a0 = dy[r * outFeatures + m];
                        float a1 = dy[(r + 1) * outFeatures + m];
                        float a2 = dy[(r + 2) * outFeatures + m];
                        float a3 = dy[(r + 3) * outFeatures + m];
                        int o = m * depth;
                        if (Simd.AVAILABLE) {
                            SimdKernels.axpy4(acc, o, x, a0, x0, a1, x1, a2, x2, a3, x3, depth);
                        } else {
                            for (int k = 0; k < depth; k++) {
                                acc[o + k] += a0 * x[x0 + k] + a1 * x[x1 + k] + a2 * x[x2 + k] + a3 * x[x3 + k];
                            }
                        }
                    }
                }
                for (; r < r1; r++) {
                    int x0 = r * depth;
                    for (int m = 0; m < outFeatures; m++) {
                        float a0 = dy[r * outFeatures + m];
                        int o = m * depth;
                        for (int k = 0; k < depth; k++) {
                            acc[o + k] += a0 * x[x0 + k];
                        }
                    }
                }
                partial[chunk] = acc;
            }
        });
        System.arraycopy(partial[0], 0, out, 0, size);
        for (int chunk = 1; chunk < chunks; chunk++) {
            float[] acc = partial[chunk];
            for (int i = 0; i < size; i++) {
                out[i] += acc[i];
            }
        }
    }

    /** {@code out[h, o, d] = sum_r dy[r, h*D + o] x[r, h*D + d]}. */
    static void headwiseWeightGradient(float[] x, float[] dy, float[] out, int rows, int heads, int d) {
        int features = heads * d;
        int size = heads * d * d;
        int chunks = Math.max(1, Math.min(rows, Parallel.threads() * 2));
        float[][] partial = new float[chunks][size];
        Parallel.forRange(chunks, (long) rows * size / chunks, (from, to) -> {
            for (int chunk = from; chunk < to; chunk++) {
                float[] acc = partial[chunk];
                int r0 = (int) ((long) rows * chunk / chunks);
                int r1 = (int) ((long) rows * (chunk + 1) / chunks);
                for (int r = r0; r < r1; r++) {
                    int row = r * features;
                    if (d == 4) {
                        accumulateBlocks4(acc, x, dy, row, heads);
                        continue;
                    }
                    for (int h = 0; h < heads; h++) {
                        for (int o = 0; o < d; o++) {
                            float g = dy[row + h * d + o];
                            int target = (h * d + o) * d;
                            for (int i = 0; i < d; i++) {
                                acc[target + i] += g * x[row + h * d + i];
                            }
                        }
                    }
                }
            }
        });
        Arrays.fill(out, 0f);
        for (float[] acc : partial) {
            for (int i = 0; i < size; i++) {
                out[i] += acc[i];
            }
        }
    }

    /** One row of {@link #headwiseWeightGradient} for blocks of 4 (the reference's q/k/v block size), unrolled. */
    private static void accumulateBlocks4(float[] acc, float[] x, float[] dy, int row, int heads) {
        for (int h = 0, i = row; h < heads; h++, i += 4) {
            float x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
            for (int o = 0, t = h * 16; o < 4; o++, t += 4) {
                float g = dy[i + o];
                acc[t] += g * x0;
                acc[t + 1] += g * x1;
                acc[t + 2] += g * x2;
                acc[t + 3] += g * x3;
            }
        }
    }

    /**
     * Layer norm's input gradient per group: with {@code xhat = (x - mean) * istd} and {@code g = dy * scale},
     * {@code dx = istd * (g - mean(g) - xhat * mean(g * xhat))}; statistics in double like the forward.
     */
    static void layerNormBackward(float[] x, float[] dy, float[] out, int rows, int cols, int groupSize,
                                  float[] weight, boolean residualWeight, float eps) {
        Parallel.forRange(rows, 8L * cols, (from, to) -> {
            double[] xhat = new double[groupSize];
            double[] g = new double[groupSize];
            for (int r = from; r < to; r++) {
                for (int start = r * cols; start < (r + 1) * cols; start += groupSize) {
                    // the forward's statistics, computed the forward's way
                    double mean = ElementwiseKernels.groupSum(x, start, groupSize) / groupSize;
                    double squares = ElementwiseKernels.groupSquares(x, start, groupSize, mean);
                    double inverseStd = 1.0 / Math.sqrt(squares / groupSize + eps);
                    int feature = start - r * cols;
                    double meanG = 0;
                    double meanGX = 0;
                    for (int i = 0; i < groupSize; i++) {
                        xhat[i] = (x[start + i] - mean) * inverseStd;
                        double scale = weight == null ? 1.0
                                : residualWeight ? 1.0 + weight[feature + i] : weight[feature + i];
                        g[i] = dy[start + i] * scale;
                        meanG += g[i];
                        meanGX += g[i] * xhat[i];
                    }
                    meanG /= groupSize;
                    meanGX /= groupSize;
                    for (int i = 0; i < groupSize; i++) {
                        out[start + i] = (float) (inverseStd * (g[i] - meanG - xhat[i] * meanGX));
                    }
                }
            }
        });
    }

    static void siluBackward(float[] x, float[] dy, float[] out) {
        Parallel.forRange(x.length, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = dy[i] * siluDerivative(x[i]);
            }
        });
    }

    /** d/dx of {@code x * sigmoid(x)} = {@code s * (1 + x * (1 - s))}. */
    static float siluDerivative(float x) {
        double s = 1.0 / (1.0 + Math.exp(-x));
        return (float) (s * (1.0 + x * (1.0 - s)));
    }

    /** Gradients of {@code (h + skip[c] * a) * silu(z)} for h, a and z. */
    static void skipGateBackward(float[] h, float[] skip, float[] a, float[] z, float[] dy, float[] dh, float[] da,
                                 float[] dz, int cols) {
        Parallel.forRange(h.length, 12, (from, to) -> {
            int c = from % cols;
            for (int i = from; i < to; i++) {
                // one exp for silu(z) and its derivative: the same values as silu() and siluDerivative()
                double e = Math.exp(-z[i]);
                float gate = (float) (z[i] / (1.0 + e));
                double sigmoid = 1.0 / (1.0 + e);
                float s = skip[c];
                dh[i] = dy[i] * gate;
                da[i] = dh[i] * s;
                dz[i] = dy[i] * (h[i] + s * a[i]) * (float) (sigmoid * (1.0 + z[i] * (1.0 - sigmoid)));
                if (++c == cols) {
                    c = 0;
                }
            }
        });
    }

    /** {@code out[b, j, :] = sum_e x[b, table[j, e], :]} for j below the table's rows, zero after. */
    static void gatherSum(float[] x, int[] table, int tableRows, int tableCols, float[] out, int batch, int seqX,
                          int tokens, int cols) {
        Parallel.forRange(batch * tokens, (long) tableCols * cols, (from, to) -> {
            for (int item = from; item < to; item++) {
                int b = item / tokens;
                int j = item % tokens;
                int target = item * cols;
                Arrays.fill(out, target, target + cols, 0f);
                if (j >= tableRows) {
                    continue;
                }
                for (int e = 0; e < tableCols; e++) {
                    int source = table[j * tableCols + e];
                    if (source < 0) {
                        continue;
                    }
                    int start = (b * seqX + source) * cols;
                    for (int c = 0; c < cols; c++) {
                        out[target + c] += x[start + c];
                    }
                }
            }
        });
    }

    static void scaleSamples(float[] x, float[] scales, float[] out, int batch) {
        int per = batch == 0 ? 0 : x.length / batch;
        Parallel.forRange(batch, per, (from, to) -> {
            for (int b = from; b < to; b++) {
                float s = scales[b];
                for (int i = b * per; i < (b + 1) * per; i++) {
                    out[i] = x[i] * s;
                }
            }
        });
    }

    static void placeColumns(float[] x, float[] out, int rows, int count, int start, int total) {
        Parallel.forRange(rows, total, (from, to) -> {
            for (int r = from; r < to; r++) {
                Arrays.fill(out, r * total, (r + 1) * total, 0f);
                System.arraycopy(x, r * count, out, r * total + start, count);
            }
        });
    }

    static void addIntoColumns(float[] x, float[] target, int rows, int count, int start, int total) {
        Parallel.forRange(rows, count, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int c = 0; c < count; c++) {
                    target[r * total + start + c] += x[r * count + c];
                }
            }
        });
    }

    /** dx of the depthwise convolution through the inverse neighbour table (entries {@code s * K + k}). */
    static void depthwiseBackwardInput(float[] dy, int[] inverse, int inverseCols, float[] w, float[] out, int batch,
                                       int seq, int channels, int taps) {
        float[] wT = new float[taps * channels];
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < taps; k++) {
                wT[k * channels + c] = w[c * taps + k];
            }
        }
        Parallel.forRange(batch * seq, (long) inverseCols * channels, (from, to) -> {
            for (int item = from; item < to; item++) {
                int b = item / seq;
                int j = item % seq;
                int target = item * channels;
                Arrays.fill(out, target, target + channels, 0f);
                for (int e = 0; e < inverseCols; e++) {
                    int flat = inverse[j * inverseCols + e];
                    if (flat < 0) {
                        continue;
                    }
                    int dyStart = (b * seq + flat / taps) * channels;
                    int wStart = (flat % taps) * channels;
                    for (int c = 0; c < channels; c++) {
                        out[target + c] += wT[wStart + c] * dy[dyStart + c];
                    }
                }
            }
        });
    }

    /** {@code out[c, k] = sum_{b, s} dy[b, s, c] x[b, nb[s, k], c]}, partials per chunk of (b, s). */
    static void depthwiseWeightGradient(float[] x, float[] dy, int[] neighbours, float[] out, int batch, int seq,
                                        int channels, int taps) {
        int items = batch * seq;
        int chunks = Math.max(1, Math.min(items, Parallel.threads() * 2));
        double[][] partial = new double[chunks][taps * channels];
        Parallel.forRange(chunks, (long) items * taps * channels / chunks, (from, to) -> {
            for (int chunk = from; chunk < to; chunk++) {
                double[] acc = partial[chunk];
                int i0 = (int) ((long) items * chunk / chunks);
                int i1 = (int) ((long) items * (chunk + 1) / chunks);
                for (int item = i0; item < i1; item++) {
                    int b = item / seq;
                    int s = item % seq;
                    int dyStart = item * channels;
                    for (int k = 0; k < taps; k++) {
                        int source = neighbours[s * taps + k];
                        if (source < 0) {
                            continue;
                        }
                        int xStart = (b * seq + source) * channels;
                        int accStart = k * channels;
                        for (int c = 0; c < channels; c++) {
                            acc[accStart + c] += dy[dyStart + c] * x[xStart + c];
                        }
                    }
                }
            }
        });
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < taps; k++) {
                double sum = 0;
                for (double[] acc : partial) {
                    sum += acc[k * channels + c];
                }
                out[c * taps + k] = (float) sum;
            }
        }
    }

    /** col2im: every patch row adds back into the image; one (batch, channel) plane per task, so no races. */
    static void unpatchify(float[] patches, float[] out, int batch, int channels, int height, int width, int ph,
                           int pw, int sh, int sw, int outH, int outW) {
        int rowLength = channels * ph * pw;
        Parallel.forRange(batch * channels, (long) outH * outW * ph * pw, (from, to) -> {
            for (int plane = from; plane < to; plane++) {
                int b = plane / channels;
                int c = plane % channels;
                int base = plane * height * width;
                Arrays.fill(out, base, base + height * width, 0f);
                for (int py = 0; py < outH; py++) {
                    for (int px = 0; px < outW; px++) {
                        int row = (b * outH * outW + py * outW + px) * rowLength + c * ph * pw;
                        for (int ky = 0; ky < ph; ky++) {
                            int target = base + (py * sh + ky) * width + px * sw;
                            for (int kx = 0; kx < pw; kx++) {
                                out[target + kx] += patches[row + ky * pw + kx];
                            }
                        }
                    }
                }
            }
        });
    }
}
