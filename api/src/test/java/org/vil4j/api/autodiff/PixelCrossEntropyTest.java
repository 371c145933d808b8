package org.vil4j.api.autodiff;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class PixelCrossEntropyTest {
    private static final int IGNORE = 255;

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return v;
    }

    @Test
    void withoutIgnoredPixelsItIsTheClassificationLoss() {
        float[] logits = random(6 * 5, 1);
        int[] labels = {0, 4, 2, 2, 1, 3};
        PixelCrossEntropy.Result pixel = PixelCrossEntropy.of(logits, labels, 5, IGNORE);
        CrossEntropy.Result plain = CrossEntropy.of(logits, labels, 5, 0);
        assertThat(pixel.loss()).isCloseTo(plain.loss(), offset(1e-9));
        assertThat(pixel.gradient()).containsExactly(plain.gradient());
        assertThat(pixel.labelled()).isEqualTo(6);
    }

    @Test
    void ignoredPixelsAddNothingAndTheMeanIsOverTheOthers() {
        float[] logits = random(4 * 3, 2);
        int[] labels = {1, IGNORE, 2, IGNORE};
        PixelCrossEntropy.Result r = PixelCrossEntropy.of(logits, labels, 3, IGNORE);
        PixelCrossEntropy.Result kept = PixelCrossEntropy.of(new float[]{logits[0], logits[1], logits[2], logits[6],
                logits[7], logits[8]}, new int[]{1, 2}, 3, IGNORE);
        assertThat(r.loss()).isCloseTo(kept.loss(), offset(1e-9));
        assertThat(r.labelled()).isEqualTo(2);
        for (int c = 0; c < 3; c++) {
            assertThat(r.gradient()[3 + c]).isZero();
            assertThat(r.gradient()[9 + c]).isZero();
            assertThat(r.gradient()[c]).isEqualTo(kept.gradient()[c]);
        }
        PixelCrossEntropy.Result none = PixelCrossEntropy.of(logits, new int[]{IGNORE, IGNORE, IGNORE, IGNORE}, 3,
                IGNORE);
        assertThat(none.loss()).isZero();
        assertThat(none.gradient()).containsOnly(0f);
    }

    @Test
    void gradientMatchesFiniteDifferencesWithAWeight() {
        float[] logits = random(7 * 4, 3);
        int[] labels = {0, 3, IGNORE, 1, 1, 2, IGNORE};
        double weight = 0.4;
        float[] g = PixelCrossEntropy.of(logits, labels, 4, IGNORE, weight).gradient();
        double max = 0;
        for (float v : g) {
            max = Math.max(max, Math.abs(v));
        }
        double h = 1e-2;
        for (int i = 0; i < logits.length; i++) {
            float old = logits[i];
            logits[i] = (float) (old + h);
            double plus = PixelCrossEntropy.of(logits, labels, 4, IGNORE, weight).loss();
            logits[i] = (float) (old - h);
            double minus = PixelCrossEntropy.of(logits, labels, 4, IGNORE, weight).loss();
            logits[i] = old;
            assertThat(Math.abs((plus - minus) / (2 * h) - g[i]) / max).as("logit %d", i).isLessThan(1e-3);
        }
    }

    @Test
    void predictionsAreTheTopClassAndBadLabelsAreNamed() {
        float[] logits = {0, 5, 1, 9, 0, 0};
        assertThat(PixelCrossEntropy.of(logits, new int[]{1, IGNORE}, 3, IGNORE).predicted()).containsExactly(1, 0);
        assertThatThrownBy(() -> PixelCrossEntropy.of(logits, new int[]{1, 7}, 3, IGNORE))
                .hasMessageContaining("label 7 of pixel 1");
    }
}
