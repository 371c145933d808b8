package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vil4j.backend.java.TestData.assertClose;
import static org.vil4j.backend.java.TestData.random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vil4j.api.ConvolutionFrames;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

/** depthwiseConv and patchify. */
class ConvolutionOpsTest {
    private final Ops ops = new JavaBackend().open("cpu");

    @AfterEach
    void close() {
        ops.close();
    }

    @Test
    void causalConvolutionByHand() {
        // one channel, taps read [s-1, s]: out = bias + 2 x[s-1] + 10 x[s]
        Tensor x = ops.upload(Shape.of(1, 4, 1), new float[] {1, 2, 3, 4});
        IndexTable causal = ops.indexTable(4, 2, ConvolutionFrames.causal1d(4, 2));
        Tensor w = ops.parameter(Shape.of(1, 2), new float[] {2, 10});
        Tensor bias = ops.parameter(Shape.of(1), new float[] {0.5f});
        assertThat(ops.download(ops.depthwiseConv(x, causal, w, bias))).containsExactly(10.5f, 22.5f, 34.5f, 46.5f);
        assertThat(ops.download(ops.depthwiseConv(x, causal, w, null))).containsExactly(10, 22, 34, 46);
    }

    @Test
    void channelsUseTheirOwnWeights() {
        // two channels, one tap reading the token itself: a per-channel scale
        Tensor x = ops.upload(Shape.of(1, 2, 2), new float[] {1, 2, 3, 4});
        IndexTable self = ops.indexTable(2, 1, new int[] {0, 1});
        Tensor w = ops.parameter(Shape.of(2, 1), new float[] {10, 100});
        assertThat(ops.download(ops.depthwiseConv(x, self, w, null))).containsExactly(10, 200, 30, 400);
    }

    @Test
    void rowMajorFrameIsA3x3ConvolutionWithZeroPadding() {
        int batch = 2;
        int h = 5;
        int w = 7;
        int channels = 6;
        float[] x = random(20, batch * h * w * channels, 1);
        float[] weight = random(21, channels * 9, 1);
        float[] bias = random(22, channels, 1);
        IndexTable frame = ops.indexTable(h * w, 9, ConvolutionFrames.rowMajorFrame(h, w, 3));
        Tensor out = ops.depthwiseConv(ops.upload(Shape.of(batch, h * w, channels), x), frame,
                ops.parameter(Shape.of(channels, 9), weight), ops.parameter(Shape.of(channels), bias));
        double[] expected = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    for (int ch = 0; ch < channels; ch++) {
                        double sum = bias[ch];
                        for (int ky = 0; ky < 3; ky++) {
                            for (int kx = 0; kx < 3; kx++) {
                                int rr = r + ky - 1;
                                int cc = c + kx - 1;
                                if (rr >= 0 && rr < h && cc >= 0 && cc < w) {
                                    sum += weight[ch * 9 + ky * 3 + kx] * x[((b * h + rr) * w + cc) * channels + ch];
                                }
                            }
                        }
                        expected[((b * h + r) * w + c) * channels + ch] = sum;
                    }
                }
            }
        }
        assertClose(ops.download(out), expected, 1e-5, 1e-5);
    }

    @Test
    void depthwiseConvShapeErrors() {
        Tensor x = ops.upload(Shape.of(1, 4, 3), new float[12]);
        IndexTable table = ops.indexTable(4, 2, ConvolutionFrames.causal1d(4, 2));
        IndexTable shortTable = ops.indexTable(3, 2, ConvolutionFrames.causal1d(3, 2));
        IndexTable beyond = ops.indexTable(4, 1, new int[] {0, 1, 2, 4});
        Tensor w = ops.parameter(Shape.of(3, 2), new float[6]);
        Tensor wrongW = ops.parameter(Shape.of(2, 3), new float[6]);
        Tensor wrongBias = ops.parameter(Shape.of(2), new float[2]);
        assertThatThrownBy(() -> ops.depthwiseConv(x, shortTable, w, null))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("depthwiseConv: neighbours has 3 rows");
        assertThatThrownBy(() -> ops.depthwiseConv(x, table, wrongW, null))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("w [2,3]").hasMessageContaining("[3,2]");
        assertThatThrownBy(() -> ops.depthwiseConv(x, table, w, wrongBias))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("bias [2]");
        assertThatThrownBy(() -> ops.depthwiseConv(x, beyond, ops.parameter(Shape.of(3, 1), new float[3]), null))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("entry 4");
    }

    @Test
    void patchifyByHand() {
        float[] image = new float[16];
        for (int i = 0; i < 16; i++) {
            image[i] = i;
        }
        Tensor x = ops.upload(Shape.of(1, 1, 4, 4), image);
        Tensor patches = ops.patchify(x, 2, 2, 2, 2);
        assertThat(patches.shape()).isEqualTo(Shape.of(1, 4, 4));
        assertThat(ops.download(patches)).containsExactly(0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15);
        // overlapping patches: stride 1 gives a 3x3 grid; a 5-row image with stride 2 drops its last row
        assertThat(ops.patchify(x, 2, 2, 1, 1).shape()).isEqualTo(Shape.of(1, 9, 4));
        Tensor tall = ops.upload(Shape.of(1, 1, 5, 4), new float[20]);
        assertThat(ops.patchify(tall, 2, 2, 2, 2).shape()).isEqualTo(Shape.of(1, 4, 4));
    }

    @Test
    void patchifyOrdersRowsLikeAFlattenedConvWeight() {
        // two channels: each row is channel 0's patch, then channel 1's
        float[] image = new float[2 * 2 * 2];
        for (int i = 0; i < image.length; i++) {
            image[i] = i;
        }
        Tensor patches = ops.patchify(ops.upload(Shape.of(1, 2, 2, 2), image), 1, 2, 1, 1);
        assertThat(patches.shape()).isEqualTo(Shape.of(1, 2, 4));
        assertThat(ops.download(patches)).containsExactly(0, 1, 4, 5, 2, 3, 6, 7);
    }

    @Test
    void patchifyThenLinearIsTheStridedConvolution() {
        int batch = 2;
        int channels = 3;
        int height = 11;
        int width = 9;
        int ph = 3;
        int pw = 2;
        int sh = 2;
        int sw = 3;
        int embed = 5;
        float[] x = random(23, batch * channels * height * width, 1);
        float[] weight = random(24, embed * channels * ph * pw, 1);
        Tensor rows = ops.patchify(ops.upload(Shape.of(batch, channels, height, width), x), ph, pw, sh, sw);
        int outH = (height - ph) / sh + 1;
        int outW = (width - pw) / sw + 1;
        assertThat(rows.shape()).isEqualTo(Shape.of(batch, outH * outW, channels * ph * pw));
        Tensor out = ops.linear(rows, ops.parameter(Shape.of(embed, channels * ph * pw), weight), null);
        double[] expected = new double[batch * outH * outW * embed];
        for (int b = 0; b < batch; b++) {
            for (int py = 0; py < outH; py++) {
                for (int px = 0; px < outW; px++) {
                    for (int e = 0; e < embed; e++) {
                        double sum = 0;
                        for (int c = 0; c < channels; c++) {
                            for (int ky = 0; ky < ph; ky++) {
                                for (int kx = 0; kx < pw; kx++) {
                                    sum += weight[((e * channels + c) * ph + ky) * pw + kx]
                                            * x[((b * channels + c) * height + py * sh + ky) * width + px * sw + kx];
                                }
                            }
                        }
                        expected[((b * outH + py) * outW + px) * embed + e] = sum;
                    }
                }
            }
        }
        assertClose(ops.download(out), expected, 1e-5, 1e-5);
    }

    @Test
    void patchifyShapeErrors() {
        Tensor x = ops.upload(Shape.of(1, 1, 4, 4), new float[16]);
        assertThatThrownBy(() -> ops.patchify(x, 5, 2, 1, 1))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("patchify: x [1,1,4,4]");
        assertThatThrownBy(() -> ops.patchify(ops.upload(Shape.of(1, 4, 4), new float[16]), 2, 2, 2, 2))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("rank 4");
        assertThatThrownBy(() -> ops.patchify(x, 2, 2, 0, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
