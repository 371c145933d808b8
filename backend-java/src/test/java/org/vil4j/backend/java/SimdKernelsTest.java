package org.vil4j.backend.java;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The vector loops against plain scalar loops, on shapes with every kind of tail. */
class SimdKernelsTest {
    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    @Test
    void matrixProductMatchesTheScalarLoop() {
        int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {4, 32, 16}, {9, 33, 64}, {130, 70, 49}, {7, 256, 128}};
        for (int[] s : shapes) {
            int rows = s[0], cols = s[1], depth = s[2];
            float[] a = random(rows * depth + 3, rows);
            float[] b = random(cols * depth + 5, cols);
            float[] bias = random(cols, depth);
            float[] out = new float[rows * cols + 2];
            SimdKernels.multiplyTransposed(a, 3, b, 5, bias, out, 2, rows, cols, depth);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    double expected = bias[c];
                    for (int k = 0; k < depth; k++) {
                        expected += (double) a[3 + r * depth + k] * b[5 + c * depth + k];
                    }
                    assertThat((double) out[2 + r * cols + c]).as("%dx%dx%d at %d,%d", rows, cols, depth, r, c)
                            .isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-4));
                }
            }
        }
    }

    @Test
    void axpyDotAndAxpy4MatchTheScalarLoops() {
        for (int n : new int[]{0, 1, 15, 16, 17, 63, 100}) {
            float[] x = random(n + 40, n);
            float[] y = random(n + 9, n + 1);
            float[] expected = y.clone();
            for (int i = 0; i < n; i++) {
                expected[2 + i] += 0.5f * x[3 + i];
            }
            SimdKernels.axpy(0.5f, x, 3, y, 2, n);
            for (int i = 0; i < y.length; i++) {
                assertThat(y[i]).as("axpy n=%d [%d]", n, i).isCloseTo(expected[i],
                        org.assertj.core.api.Assertions.within(1e-6f));
            }
            double dot = 0;
            for (int i = 0; i < n; i++) {
                dot += (double) x[i] * x[i + 1];
            }
            assertThat((double) SimdKernels.dot(x, 0, x, 1, n)).isCloseTo(dot,
                    org.assertj.core.api.Assertions.within(1e-4));
            float[] acc = random(n, 9);
            float[] accExpected = acc.clone();
            for (int i = 0; i < n; i++) {
                accExpected[i] += 1f * x[i] + 2f * x[i + 5] + 3f * x[i + 10] + 4f * x[i + 20];
            }
            SimdKernels.axpy4(acc, 0, x, 1f, 0, 2f, 5, 3f, 10, 4f, 20, n);
            for (int i = 0; i < n; i++) {
                assertThat(acc[i]).isCloseTo(accExpected[i], org.assertj.core.api.Assertions.within(1e-5f));
            }
        }
    }

    @Test
    void blocksOfFourMatchTheScalarProduct() {
        for (int heads : new int[]{1, 3, 4, 5, 12, 48}) {
            int features = 4 * heads, rows = 7;
            float[] x = random(rows * features, heads);
            float[] w = random(heads * 16, heads + 1);
            float[] bias = random(features, heads + 2);
            float[] wT = new float[4 * features];
            for (int h = 0; h < heads; h++) {
                for (int o = 0; o < 4; o++) {
                    for (int j = 0; j < 4; j++) {
                        wT[j * features + 4 * h + o] = w[(h * 4 + o) * 4 + j];
                    }
                }
            }
            for (float[] b : new float[][]{null, bias}) {
                float[] out = new float[rows * features];
                SimdKernels.blocks4(x, wT, b, out, 0, rows, features);
                for (int r = 0; r < rows; r++) {
                    for (int f = 0; f < features; f++) {
                        int h = f / 4, o = f % 4;
                        double expected = b == null ? 0 : b[f];
                        for (int j = 0; j < 4; j++) {
                            expected += (double) x[r * features + 4 * h + j] * w[(h * 4 + o) * 4 + j];
                        }
                        assertThat((double) out[r * features + f]).as("%d heads, row %d, feature %d", heads, r, f)
                                .isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-5));
                    }
                }
            }
        }
    }
}
