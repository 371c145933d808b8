package org.vil4j.backend.java;

/**
 * The dense core of linear and matmul: {@code out[r, m] = sum_k a[r, k] * b[m, k] (+ bias[m])} with a, b and out
 * row-major and contiguous from their offsets. Both operands are read along k, so every inner loop runs over
 * contiguous memory; a 4x4 register block reuses each loaded value four times. Work is cut into tiles of rows and
 * columns so a tile of b stays in cache while the rows of a pass it, and tiles run in parallel. Sums are float32
 * in k order (double accumulation halves the speed here and stays within the float32 tolerance anyway).
 */
final class MatrixProduct {
    private static final int TILE = 64;
    private static final int BLOCK = 4;

    private MatrixProduct() {
    }

    static void multiplyTransposed(float[] a, int aOffset, float[] b, int bOffset, float[] bias, float[] out,
                                   int outOffset, int rows, int cols, int depth) {
        if (Simd.AVAILABLE) {
            SimdKernels.multiplyTransposed(a, aOffset, b, bOffset, bias, out, outOffset, rows, cols, depth);
            return;
        }
        int rowTiles = (rows + TILE - 1) / TILE;
        int colTiles = (cols + TILE - 1) / TILE;
        long workPerTile = (long) Math.min(rows, TILE) * Math.min(cols, TILE) * Math.max(depth, 1);
        Parallel.forRange(rowTiles * colTiles, workPerTile, (from, to) -> {
            for (int tile = from; tile < to; tile++) {
                int r0 = (tile / colTiles) * TILE;
                int c0 = (tile % colTiles) * TILE;
                multiplyTile(a, aOffset, b, bOffset, bias, out, outOffset, cols, depth,
                        r0, Math.min(rows, r0 + TILE), c0, Math.min(cols, c0 + TILE));
            }
        });
    }

    private static void multiplyTile(float[] a, int aOffset, float[] b, int bOffset, float[] bias, float[] out,
                                     int outOffset, int cols, int depth, int rowFrom, int rowTo, int colFrom,
                                     int colTo) {
        int r = rowFrom;
        for (; r + BLOCK <= rowTo; r += BLOCK) {
            int c = colFrom;
            for (; c + BLOCK <= colTo; c += BLOCK) {
                block4x4(a, aOffset + r * depth, b, bOffset + c * depth, depth, bias, c, out,
                        outOffset + r * cols + c, cols);
            }
            for (; c < colTo; c++) {
                for (int rr = r; rr < r + BLOCK; rr++) {
                    out[outOffset + rr * cols + c] = dot(a, aOffset + rr * depth, b, bOffset + c * depth, depth)
                            + (bias == null ? 0f : bias[c]);
                }
            }
        }
        for (; r < rowTo; r++) {
            int c = colFrom;
            for (; c + BLOCK <= colTo; c += BLOCK) {
                block1x4(a, aOffset + r * depth, b, bOffset + c * depth, depth, bias, c, out,
                        outOffset + r * cols + c);
            }
            for (; c < colTo; c++) {
                out[outOffset + r * cols + c] = dot(a, aOffset + r * depth, b, bOffset + c * depth, depth)
                        + (bias == null ? 0f : bias[c]);
            }
        }
    }

    static float dot(float[] a, int aStart, float[] b, int bStart, int depth) {
        float sum = 0f;
        for (int k = 0; k < depth; k++) {
            sum += a[aStart + k] * b[bStart + k];
        }
        return sum;
    }

    private static void block1x4(float[] a, int a0, float[] b, int b0, int depth, float[] bias, int col, float[] out,
                                 int o) {
        int b1 = b0 + depth;
        int b2 = b1 + depth;
        int b3 = b2 + depth;
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        for (int k = 0; k < depth; k++) {
            float x = a[a0 + k];
            s0 += x * b[b0 + k];
            s1 += x * b[b1 + k];
            s2 += x * b[b2 + k];
            s3 += x * b[b3 + k];
        }
        if (bias != null) {
            s0 += bias[col];
            s1 += bias[col + 1];
            s2 += bias[col + 2];
            s3 += bias[col + 3];
        }
        out[o] = s0;
        out[o + 1] = s1;
        out[o + 2] = s2;
        out[o + 3] = s3;
    }

    private static void block4x4(float[] a, int a0, float[] b, int b0, int depth, float[] bias, int col, float[] out,
                                 int o, int outStride) {
        int a1 = a0 + depth;
        int a2 = a1 + depth;
        int a3 = a2 + depth;
        int b1 = b0 + depth;
        int b2 = b1 + depth;
        int b3 = b2 + depth;
        float s00 = 0f, s01 = 0f, s02 = 0f, s03 = 0f;
        float s10 = 0f, s11 = 0f, s12 = 0f, s13 = 0f;
        float s20 = 0f, s21 = 0f, s22 = 0f, s23 = 0f;
        float s30 = 0f, s31 = 0f, s32 = 0f, s33 = 0f;
        for (int k = 0; k < depth; k++) {
            float w0 = b[b0 + k];
            float w1 = b[b1 + k];
            float w2 = b[b2 + k];
            float w3 = b[b3 + k];
            float x = a[a0 + k];
            s00 += x * w0;
            s01 += x * w1;
            s02 += x * w2;
            s03 += x * w3;
            x = a[a1 + k];
            s10 += x * w0;
            s11 += x * w1;
            s12 += x * w2;
            s13 += x * w3;
            x = a[a2 + k];
            s20 += x * w0;
            s21 += x * w1;
            s22 += x * w2;
            s23 += x * w3;
            x = a[a3 + k];
            s30 += x * w0;
            s31 += x * w1;
            s32 += x * w2;
            s33 += x * w3;
        }
        float c0 = bias == null ? 0f : bias[col];
        float c1 = bias == null ? 0f : bias[col + 1];
        float c2 = bias == null ? 0f : bias[col + 2];
        float c3 = bias == null ? 0f : bias[col + 3];
        store4(out, o, s00 + c0, s01 + c1, s02 + c2, s03 + c3);
        store4(out, o + outStride, s10 + c0, s11 + c1, s12 + c2, s13 + c3);
        store4(out, o + 2 * outStride, s20 + c0, s21 + c1, s22 + c2, s23 + c3);
        store4(out, o + 3 * outStride, s30 + c0, s31 + c1, s32 + c2, s33 + c3);
    }

    private static void store4(float[] out, int o, float v0, float v1, float v2, float v3) {
        out[o] = v0;
        out[o + 1] = v1;
        out[o + 2] = v2;
        out[o + 3] = v3;
    }
}
