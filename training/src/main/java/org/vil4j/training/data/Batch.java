package org.vil4j.training.data;

/**
 * One batch ready for upload: images {@code [size, C, H, W]} (augmented and normalised) and their labels.
 *
 * @param epoch the epoch it belongs to
 * @param index its position in the epoch (0-based)
 */
public record Batch(float[] images, int[] labels, int size, int channels, int height, int width, int epoch,
                    int index) {
}
