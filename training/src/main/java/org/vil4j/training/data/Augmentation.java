package org.vil4j.training.data;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The per-sample transform of the training recipes: random crop of the original size from the image zero-padded by
 * {@code padding} on every side (torchvision's {@code RandomCrop(size, padding)}), horizontal flip with probability
 * 1/2, then normalisation. The random choices for a sample come from a generator seeded by (seed, epoch, dataset
 * index), so they do not depend on thread timing or batch size, and a run resumed mid-epoch sees the same data.
 *
 * @param padding zero border for the random crop; 0 disables cropping
 * @param horizontalFlip whether to flip with probability 1/2
 */
public record Augmentation(int padding, boolean horizontalFlip, Normalisation normalisation) {
    /** The random choices for one sample. */
    public record Choice(int shiftY, int shiftX, boolean flip) {
    }

    public Augmentation {
        if (padding < 0) {
            throw new IllegalArgumentException("crop padding " + padding + " is negative");
        }
        Objects.requireNonNull(normalisation);
    }

    /** For evaluation: normalisation only. */
    public static Augmentation none(Normalisation normalisation) {
        return new Augmentation(0, false, normalisation);
    }

    public static Augmentation none(float[] mean, float[] std) {
        return none(new Normalisation(mean, std));
    }

    /** For training: padded random crop, random horizontal flip, normalisation. */
    public static Augmentation cropAndFlip(int padding, Normalisation normalisation) {
        return new Augmentation(padding, true, normalisation);
    }

    public boolean isRandom() {
        return padding > 0 || horizontalFlip;
    }

    /**
     * The crop and flip for dataset sample {@code index} in {@code epoch}. A shift of (dy, dx) means output pixel
     * (y, x) is input pixel (y + dy, x + dx), zero outside; torchvision's crop corner (top, left) in the padded image
     * is (dy + padding, dx + padding).
     */
    public Choice choice(long seed, int epoch, int index) {
        if (!isRandom()) {
            return new Choice(0, 0, false);
        }
        SplittableRandom random = new SplittableRandom(Seeds.mix(Seeds.AUGMENTATION, seed, epoch, index));
        int shiftY = padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
        int shiftX = padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
        boolean flip = horizontalFlip && random.nextBoolean();
        return new Choice(shiftY, shiftX, flip);
    }

    /** Transforms the CHW image at {@code offset} in place: crop and flip as {@link #choice} says, then normalise. */
    public void apply(float[] image, int offset, int channels, int height, int width, long seed, int epoch,
                      int index) {
        apply(image, offset, channels, height, width, choice(seed, epoch, index));
    }

    public void apply(float[] image, int offset, int channels, int height, int width, Choice choice) {
        int plane = height * width;
        Objects.checkFromIndexSize(offset, channels * plane, image.length);
        if (choice.shiftY() != 0 || choice.shiftX() != 0 || choice.flip()) {
            float[] source = new float[plane];
            for (int c = 0; c < channels; c++) {
                int start = offset + c * plane;
                System.arraycopy(image, start, source, 0, plane);
                for (int y = 0; y < height; y++) {
                    int sourceY = y + choice.shiftY();
                    for (int x = 0; x < width; x++) {
                        // the flip mirrors the cropped image, so it picks the mirrored output column before the shift
                        int sourceX = (choice.flip() ? width - 1 - x : x) + choice.shiftX();
                        boolean inside = sourceY >= 0 && sourceY < height && sourceX >= 0 && sourceX < width;
                        image[start + y * width + x] = inside ? source[sourceY * width + sourceX] : 0f;
                    }
                }
            }
        }
        normalisation.apply(image, offset, channels, plane);
    }
}
