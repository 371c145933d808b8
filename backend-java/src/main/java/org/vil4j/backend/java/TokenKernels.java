package org.vil4j.backend.java;

import java.util.Arrays;

/** Loops that move whole token rows or column ranges; the callers have checked shapes and index bounds. */
final class TokenKernels {
    private TokenKernels() {
    }

    /** x {@code [B, S, C]} to out {@code [B, S', C]}: row i of each batch is row index[i] of x (-1: zeros). */
    static void gather(float[] x, int[] index, float[] out, int batch, int seq, int cols) {
        int picked = index.length;
        Parallel.forRange(batch * picked, cols, (from, to) -> {
            for (int item = from; item < to; item++) {
                int b = item / picked;
                int source = index[item % picked];
                int target = item * cols;
                if (source < 0) {
                    Arrays.fill(out, target, target + cols, 0f);
                } else {
                    System.arraycopy(x, (b * seq + source) * cols, out, target, cols);
                }
            }
        });
    }

    /** {@code out[b, i, :] = residual[b, i, :] + y[b, index[i], :]} (-1: the residual alone). */
    static void addGathered(float[] residual, float[] y, int[] index, float[] out, int batch, int seqY, int cols) {
        int picked = index.length;
        Parallel.forRange(batch * picked, cols, (from, to) -> {
            for (int item = from; item < to; item++) {
                int b = item / picked;
                int source = index[item % picked];
                int target = item * cols;
                if (source < 0) {
                    System.arraycopy(residual, target, out, target, cols);
                } else {
                    int sourceStart = (b * seqY + source) * cols;
                    for (int c = 0; c < cols; c++) {
                        out[target + c] = residual[target + c] + y[sourceStart + c];
                    }
                }
            }
        });
    }

    /** Columns {@code [start, start + count)} of each row of {@code cols} features. */
    static void columns(float[] x, float[] out, int rows, int cols, int start, int count) {
        Parallel.forRange(rows, count, (from, to) -> {
            for (int r = from; r < to; r++) {
                System.arraycopy(x, r * cols + start, out, r * count, count);
            }
        });
    }

    /** Each row of a followed by the same row of b. */
    static void concatColumns(float[] a, float[] b, float[] out, int rows, int colsA, int colsB) {
        int cols = colsA + colsB;
        Parallel.forRange(rows, cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                System.arraycopy(a, r * colsA, out, r * cols, colsA);
                System.arraycopy(b, r * colsB, out, r * cols + colsA, colsB);
            }
        });
    }
}
