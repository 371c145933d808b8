package org.vil4j.backend.java;

/** Loops for the dense-algebra ops on row-major float arrays; the callers have checked the shapes. */
final class DenseKernels {
    private static final int TRANSPOSE_TILE = 32;

    private DenseKernels() {
    }

    /** x {@code [rows, K]}, w {@code [M, K]}, bias {@code [M]} or null, out {@code [rows, M]}. */
    static void linear(float[] x, float[] w, float[] bias, float[] out, int rows, int depth, int outFeatures) {
        MatrixProduct.multiplyTransposed(x, 0, w, 0, bias, out, 0, rows, outFeatures, depth);
    }

    /** a {@code [B, I, K]}, c {@code [B, K, J]} or {@code [1, K, J]} (shared), out {@code [B, I, J]}. */
    static void matmul(float[] a, float[] c, float[] out, int batch, int batchC, int rowsI, int depth, int colsJ) {
        // c's columns become rows, so both operands are read along k like in linear
        float[] cT = new float[c.length];
        transpose(c, cT, batchC, depth, colsJ);
        for (int b = 0; b < batch; b++) {
            int cStart = batchC == 1 ? 0 : b * colsJ * depth;
            MatrixProduct.multiplyTransposed(a, b * rowsI * depth, cT, cStart, null, out, b * rowsI * colsJ,
                    rowsI, colsJ, depth);
        }
    }

    /**
     * x {@code [rows, NH*D]}, w {@code [NH, D, D]}, out {@code [rows, NH*D]}. Heads are usually tiny (the
     * reference's blocksize is 4), so each row does all its heads in one pass instead of one product per head.
     */
    static void headwiseLinear(float[] x, float[] w, float[] bias, float[] out, int rows, int heads, int d) {
        int features = heads * d;
        if (d == 4) {
            headwiseLinear4(x, w, bias, out, rows, heads);
            return;
        }
        Parallel.forRange(rows, (long) features * d, (from, to) -> {
            for (int r = from; r < to; r++) {
                int row = r * features;
                for (int h = 0; h < heads; h++) {
                    int xStart = row + h * d;
                    for (int o = 0; o < d; o++) {
                        float sum = MatrixProduct.dot(x, xStart, w, (h * d + o) * d, d);
                        out[xStart + o] = bias == null ? sum : sum + bias[h * d + o];
                    }
                }
            }
        });
    }

    /**
     * Blocks of 4, the reference's q/k/v projection block size: a call per 4-long dot product cost more than the
     * arithmetic, so each head's 4 x 4 block is written out.
     */
    private static void headwiseLinear4(float[] x, float[] w, float[] bias, float[] out, int rows, int heads) {
        int features = heads * 4;
        if (Simd.AVAILABLE) {
            float[] wT = new float[4 * features];
            for (int h = 0; h < heads; h++) {
                for (int o = 0; o < 4; o++) {
                    for (int j = 0; j < 4; j++) {
                        wT[j * features + 4 * h + o] = w[(h * 4 + o) * 4 + j];
                    }
                }
            }
            Parallel.forRange(rows, 16L * features, (from, to) -> SimdKernels.blocks4(x, wT, bias, out, from, to,
                    features));
            return;
        }
        Parallel.forRange(rows, 16L * features, (from, to) -> {
            for (int r = from; r < to; r++) {
                for (int h = 0, i = r * features; h < heads; h++, i += 4) {
                    float x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
                    for (int o = 0; o < 4; o++) {
                        int k = (h * 4 + o) * 4;
                        float sum = x0 * w[k] + x1 * w[k + 1] + x2 * w[k + 2] + x3 * w[k + 3];
                        out[i + o] = bias == null ? sum : sum + bias[h * 4 + o];
                    }
                }
            }
        });
    }

    /** {@code [B, R, C] -> [B, C, R]} in square tiles, so both the reads and the writes stay in cache. */
    static void transpose(float[] x, float[] out, int batch, int rows, int cols) {
        int rowTiles = (rows + TRANSPOSE_TILE - 1) / TRANSPOSE_TILE;
        Parallel.forRange(batch * rowTiles, (long) TRANSPOSE_TILE * cols, (from, to) -> {
            for (int item = from; item < to; item++) {
                int base = (item / rowTiles) * rows * cols;
                int r0 = (item % rowTiles) * TRANSPOSE_TILE;
                int r1 = Math.min(rows, r0 + TRANSPOSE_TILE);
                for (int c0 = 0; c0 < cols; c0 += TRANSPOSE_TILE) {
                    int c1 = Math.min(cols, c0 + TRANSPOSE_TILE);
                    for (int r = r0; r < r1; r++) {
                        for (int c = c0; c < c1; c++) {
                            out[base + c * rows + r] = x[base + r * cols + c];
                        }
                    }
                }
            }
        });
    }
}
