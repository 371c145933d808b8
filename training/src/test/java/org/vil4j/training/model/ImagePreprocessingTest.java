package org.vil4j.training.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ImagePreprocessingTest {
    private static ImagePreprocessing.Rgb image(int w, int h, long seed) {
        Random r = new Random(seed);
        int[] p = new int[w * h * 3];
        for (int i = 0; i < p.length; i++) {
            p[i] = r.nextInt(256);
        }
        return new ImagePreprocessing.Rgb(w, h, p);
    }

    private static float normalised(int value, int channel) {
        return (value / 255f - ImagePreprocessing.MEAN[channel]) / ImagePreprocessing.STD[channel];
    }

    @Test
    void aConstantImageGivesItsNormalisedValueEverywhere() {
        int[] p = new int[500 * 375 * 3];
        for (int i = 0; i < p.length; i += 3) {
            p[i] = 200;
            p[i + 1] = 100;
            p[i + 2] = 7;
        }
        float[] t = ImagePreprocessing.evalTransform(new ImagePreprocessing.Rgb(500, 375, p), 224, 224, 224);
        assertThat(t).hasSize(3 * 224 * 224);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 224 * 224; i++) {
                assertThat(t[c * 224 * 224 + i]).isEqualTo(normalised(new int[]{200, 100, 7}[c], c));
            }
        }
    }

    @Test
    void noResizeWhenTheShorterSideFitsAndTheCropRoundsHalfToEven() {
        // 301 x 224: shorter side already 224, long side int(224*301/224) = 301; left = round(77/2 = 38.5) = 38
        ImagePreprocessing.Rgb img = image(301, 224, 1);
        float[] t = ImagePreprocessing.evalTransform(img, 224, 224, 224);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 224; y += 37) {
                for (int x = 0; x < 224; x += 29) {
                    assertThat(t[(c * 224 + y) * 224 + x]).isEqualTo(normalised(img.at(38 + x, y, c), c));
                }
            }
        }
        // 303 wide: left = round(79/2 = 39.5) = 40
        ImagePreprocessing.Rgb wider = image(303, 224, 2);
        assertThat(ImagePreprocessing.evalTransform(wider, 224, 224, 224)[0]).isEqualTo(normalised(wider.at(40, 0, 0),
                0));
    }

    /** Pillow's resample written directly in double precision: per output pixel, taps over the widened support. */
    private static double[] reference1d(double[] in, int outSize) {
        int inSize = in.length;
        double scale = (double) inSize / outSize, fs = Math.max(scale, 1), support = 2 * fs;
        double[] out = new double[outSize];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale, sum = 0, acc = 0;
            for (int x = 0; x < inSize; x++) {
                double d = Math.abs((x + 0.5 - center) / fs);
                double k = d < 1 ? 1.5 * d * d * d - 2.5 * d * d + 1 : d < 2 ? -0.5 * d * d * d + 2.5 * d * d - 4 * d + 2
                        : 0;
                if (x + 0.5 > center - support && x + 0.5 < center + support + 1) {
                    sum += k;
                    acc += k * in[x];
                }
            }
            out[o] = Math.min(255, Math.max(0, Math.round(acc / sum)));
        }
        return out;
    }

    @Test
    void bicubicDownscaleAgreesWithAnIndependentPillowFormulaWithinOneLevel() {
        ImagePreprocessing.Rgb img = image(500, 375, 3);
        ImagePreprocessing.Rgb out = ImagePreprocessing.resize(img, 298, 224);
        assertThat(out.width()).isEqualTo(298);
        assertThat(out.height()).isEqualTo(224);
        int worst = 0;
        for (int c = 0; c < 3; c++) {
            double[][] rows = new double[375][];
            for (int y = 0; y < 375; y++) {
                double[] row = new double[500];
                for (int x = 0; x < 500; x++) {
                    row[x] = img.at(x, y, c);
                }
                rows[y] = reference1d(row, 298);
            }
            for (int x = 0; x < 298; x++) {
                double[] col = new double[375];
                for (int y = 0; y < 375; y++) {
                    col[y] = rows[y][x];
                }
                double[] expected = reference1d(col, 224);
                for (int y = 0; y < 224; y++) {
                    worst = Math.max(worst, (int) Math.abs(expected[y] - out.at(x, y, c)));
                }
            }
        }
        assertThat(worst).isLessThanOrEqualTo(1);
    }
}
