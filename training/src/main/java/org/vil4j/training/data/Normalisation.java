package org.vil4j.training.data;

import java.util.Arrays;

/** Per-channel {@code (value - mean) / std}, applied after augmentation, with the usual dataset statistics. */
public final class Normalisation {
    public static final Normalisation FASHION_MNIST = new Normalisation(new float[] {0.2860f}, new float[] {0.3530f});
    public static final Normalisation CIFAR10 = new Normalisation(new float[] {0.4914f, 0.4822f, 0.4465f},
            new float[] {0.2470f, 0.2435f, 0.2616f});
    public static final Normalisation CIFAR100 = new Normalisation(new float[] {0.5071f, 0.4865f, 0.4409f},
            new float[] {0.2673f, 0.2564f, 0.2762f});
    public static final Normalisation IMAGENET = new Normalisation(new float[] {0.485f, 0.456f, 0.406f},
            new float[] {0.229f, 0.224f, 0.225f});
    /** Leaves values in [0, 1]. */
    public static final Normalisation IDENTITY_GREY = new Normalisation(new float[] {0f}, new float[] {1f});
    public static final Normalisation IDENTITY_RGB = new Normalisation(new float[] {0f, 0f, 0f},
            new float[] {1f, 1f, 1f});

    private final float[] mean;
    private final float[] std;

    public Normalisation(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalisation needs one mean and one std per channel, got "
                    + mean.length + " means and " + std.length + " stds");
        }
        for (float deviation : std) {
            if (!(deviation > 0)) {
                throw new IllegalArgumentException("normalisation std " + deviation + " is not positive");
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    public int channels() {
        return mean.length;
    }

    public float mean(int channel) {
        return mean[channel];
    }

    public float std(int channel) {
        return std[channel];
    }

    /** Normalises one CHW image in place. */
    public void apply(float[] image, int offset, int channels, int plane) {
        if (channels != mean.length) {
            throw new IllegalArgumentException("normalisation for " + mean.length + " channel(s) applied to an image"
                    + " with " + channels);
        }
        for (int c = 0; c < channels; c++) {
            float shift = mean[c];
            float deviation = std[c];
            int start = offset + c * plane;
            for (int i = start; i < start + plane; i++) {
                // divide rather than multiply by the reciprocal, to match torchvision's Normalize bit for bit
                image[i] = (image[i] - shift) / deviation;
            }
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Normalisation that && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalisation[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
