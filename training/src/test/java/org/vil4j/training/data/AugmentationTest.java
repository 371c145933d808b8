package org.vil4j.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    private static final Augmentation TRAINING = Augmentation.cropAndFlip(4, Normalisation.IDENTITY_GREY);

    /** A 1x{@code height}x{@code width} image whose pixel (y, x) holds 1 + y * width + x (never 0, so zeros are padding). */
    private static float[] numbered(int height, int width) {
        float[] image = new float[height * width];
        for (int i = 0; i < image.length; i++) {
            image[i] = 1 + i;
        }
        return image;
    }

    @Test
    void choicesArePureFunctionsOfSeedEpochAndIndex() {
        assertThat(TRAINING.choice(7, 3, 12345)).isEqualTo(TRAINING.choice(7, 3, 12345));
        Set<Augmentation.Choice> seen = new HashSet<>();
        int sameAcrossSeeds = 0;
        for (int index = 0; index < 200; index++) {
            seen.add(TRAINING.choice(7, 3, index));
            if (TRAINING.choice(7, 3, index).equals(TRAINING.choice(8, 3, index))) {
                sameAcrossSeeds++;
            }
        }
        // 9 x 9 shifts x 2 flips = 162 possible choices: 200 samples must spread over many of them
        assertThat(seen).hasSizeGreaterThan(60);
        assertThat(sameAcrossSeeds).isLessThan(20);
        assertThat(TRAINING.choice(7, 3, 5)).isNotEqualTo(TRAINING.choice(7, 4, 5));
    }

    @Test
    void choicesStayWithinThePaddingAndFlipAboutHalfTheTime() {
        int flips = 0;
        for (int index = 0; index < 2000; index++) {
            Augmentation.Choice choice = TRAINING.choice(1, 0, index);
            assertThat(choice.shiftY()).isBetween(-4, 4);
            assertThat(choice.shiftX()).isBetween(-4, 4);
            flips += choice.flip() ? 1 : 0;
        }
        assertThat(flips).isBetween(900, 1100);
    }

    @Test
    void applyingTwiceFromTheSameInputGivesTheSameImage() {
        float[] first = numbered(8, 8);
        float[] second = numbered(8, 8);
        TRAINING.apply(first, 0, 1, 8, 8, 42, 1, 99);
        TRAINING.apply(second, 0, 1, 8, 8, 42, 1, 99);

        assertThat(first).isEqualTo(second);
    }

    @Test
    void theCropIsAShiftedCopyWithZerosWhereThePaddingShows() {
        float[] image = numbered(4, 5);
        TRAINING.apply(image, 0, 1, 4, 5, new Augmentation.Choice(1, -2, false));

        assertThat(image).containsExactly(
                0, 0, 6, 7, 8,
                0, 0, 11, 12, 13,
                0, 0, 16, 17, 18,
                0, 0, 0, 0, 0);
    }

    @Test
    void theFlipMirrorsEachRowOfEveryChannel() {
        float[] image = new float[2 + 2 * 2 * 3];
        float[] planes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        System.arraycopy(planes, 0, image, 2, planes.length);
        Augmentation.cropAndFlip(0, new Normalisation(new float[] {0, 0}, new float[] {1, 1}))
                .apply(image, 2, 2, 2, 3, new Augmentation.Choice(0, 0, true));

        assertThat(image).containsExactly(0, 0, 3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10);
    }

    @Test
    void cropThenFlipMatchesTorchvisionOrder() {
        float[] image = numbered(1, 4);
        TRAINING.apply(image, 0, 1, 1, 4, new Augmentation.Choice(0, 1, true));

        // crop shifted left by one: [2, 3, 4, 0]; then mirrored
        assertThat(image).containsExactly(0, 4, 3, 2);
    }

    @Test
    void normalisationUsesEachChannelsMeanAndStd() {
        float[] image = {0.5f, 1f, 0f, 0.25f, 0.75f, 0.1f};
        Augmentation evaluation = Augmentation.none(new float[] {0.4914f, 0.4822f, 0.4465f},
                new float[] {0.2470f, 0.2435f, 0.2616f});
        evaluation.apply(image, 0, 3, 1, 2, 0, 0, 0);

        assertThat(evaluation.normalisation()).isEqualTo(Normalisation.CIFAR10);

        assertThat(image).containsExactly(new float[] {
                (0.5f - 0.4914f) / 0.2470f, (1f - 0.4914f) / 0.2470f,
                (0f - 0.4822f) / 0.2435f, (0.25f - 0.4822f) / 0.2435f,
                (0.75f - 0.4465f) / 0.2616f, (0.1f - 0.4465f) / 0.2616f}, within(1e-6f));
    }

    @Test
    void noneLeavesGeometryAlone() {
        Augmentation evaluation = Augmentation.none(Normalisation.FASHION_MNIST);
        float[] image = numbered(3, 3);
        evaluation.apply(image, 0, 1, 3, 3, 5, 5, 5);

        assertThat(evaluation.isRandom()).isFalse();
        for (int i = 0; i < 9; i++) {
            assertThat(image[i]).isCloseTo((1 + i - 0.2860f) / 0.3530f, within(1e-5f));
        }
    }
}
