package org.vil4j.api.autodiff;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Cross-entropy as torch.nn.functional.cross_entropy(mean, label_smoothing), worked by hand. */
class CrossEntropyTest {
    @Test
    void lossGradientAndAccuracyWithLabelSmoothing() {
        float[] logits = {2f, 0f, -1f, 0.5f, 1.5f, 0f};
        int[] labels = {0, 2};
        double eps = 0.1;
        CrossEntropy.Result r = CrossEntropy.of(logits, labels, 3, eps);
        double expectedLoss = 0;
        for (int b = 0; b < 2; b++) {
            double z = 0;
            for (int c = 0; c < 3; c++) {
                z += Math.exp(logits[b * 3 + c]);
            }
            for (int c = 0; c < 3; c++) {
                double p = Math.exp(logits[b * 3 + c]) / z;
                double target = (c == labels[b] ? 1 - eps : 0) + eps / 3;
                expectedLoss -= target * Math.log(p) / 2;
                assertThat((double) r.gradient()[b * 3 + c]).as("d/d logit %d,%d", b, c)
                        .isCloseTo((p - target) / 2, within(1e-7));
            }
        }
        assertThat(r.loss()).isCloseTo(expectedLoss, within(1e-9));
        assertThat(r.correct()).isEqualTo(1); // sample 0 right (argmax 0), sample 1 wrong (argmax 1)
    }

    @Test
    void hugeLogitsStayFinite() {
        CrossEntropy.Result r = CrossEntropy.of(new float[]{1e30f, -1e30f}, new int[]{1}, 2, 0);
        assertThat(r.loss()).isFinite().isGreaterThan(1e29);
        assertThat(r.gradient()[0]).isEqualTo(1f);
    }

    @Test
    void aLabelOutsideTheClassesIsNamed() {
        assertThatThrownBy(() -> CrossEntropy.of(new float[4], new int[]{0, 7}, 2, 0))
                .hasMessageContaining("label 7 of sample 1");
    }
}
