package org.vil4j.vil;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;

/**
 * Checks the resize against a direct transcription of PyTorch's upsample_bicubic2d (aten/src/ATen/native/
 * UpSampleBicubic2d.cpp, align_corners=False): per output pixel, 4x4 clamped taps with the cubic convolution
 * coefficients of A = -0.75, written here independently of BicubicResize.
 */
class PositionEmbeddingResizeTest {
    private static double cubic1(double x, double a) { // |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    private static double cubic2(double x, double a) { // 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }

    private static double[] coefficients(double t) {
        double a = -0.75;
        return new double[]{cubic2(t + 1, a), cubic1(t, a), cubic1(1 - t, a), cubic2(2 - t, a)};
    }

    /** torch: area_pixel_compute_source_index(scale, dst, align_corners=False, cubic=True). */
    private static float[] torchBicubic(float[] in, int inH, int inW, int c, int outH, int outW) {
        float[] out = new float[outH * outW * c];
        double sh = (double) inH / outH, sw = (double) inW / outW;
        for (int oy = 0; oy < outH; oy++) {
            double ry = sh * (oy + 0.5) - 0.5;
            int iy = (int) Math.floor(ry);
            double[] cy = coefficients(ry - iy);
            for (int ox = 0; ox < outW; ox++) {
                double rx = sw * (ox + 0.5) - 0.5;
                int ix = (int) Math.floor(rx);
                double[] cx = coefficients(rx - ix);
                for (int ch = 0; ch < c; ch++) {
                    double sum = 0;
                    for (int m = 0; m < 4; m++) {
                        int y = Math.min(Math.max(iy - 1 + m, 0), inH - 1);
                        double row = 0;
                        for (int n = 0; n < 4; n++) {
                            int x = Math.min(Math.max(ix - 1 + n, 0), inW - 1);
                            row += cx[n] * in[(y * inW + x) * c + ch];
                        }
                        sum += cy[m] * row;
                    }
                    out[(oy * outW + ox) * c + ch] = (float) sum;
                }
            }
        }
        return out;
    }

    @Test
    void matchesTorchBicubicForLargerSmallerAndNonSquareGrids() {
        Random r = new Random(7);
        int dim = 5;
        float[] data = new float[14 * 14 * dim];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) r.nextGaussian();
        }
        HostTensor embed = new HostTensor(Shape.of(1, 14, 14, dim), data);
        int[][] sizes = {{12, 12}, {24, 24}, {12, 20}, {7, 9}, {14, 15}, {1, 1}};
        for (int[] s : sizes) {
            float[] expected = torchBicubic(data, 14, 14, dim, s[0], s[1]);
            float[] actual = PositionEmbeddingResize.resize(embed, s[0], s[1]).data();
            assertThat(actual).hasSize(expected.length);
            for (int i = 0; i < expected.length; i++) {
                assertThat((double) actual[i]).as("%dx%d at %d", s[0], s[1], i)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(2e-6));
            }
        }
        assertThat(PositionEmbeddingResize.resize(embed, 14, 14)).isSameAs(embed);
    }

    @Test
    void keepsAConstantEmbeddingConstant() {
        float[] data = new float[4 * 4 * 2];
        java.util.Arrays.fill(data, 0.375f);
        float[] out = PositionEmbeddingResize.resize(new HostTensor(Shape.of(1, 4, 4, 2), data), 9, 6).data();
        for (float v : out) {
            assertThat((double) v).isCloseTo(0.375, org.assertj.core.data.Offset.offset(1e-7));
        }
    }
}
