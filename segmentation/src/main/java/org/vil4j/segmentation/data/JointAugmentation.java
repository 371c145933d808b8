package org.vil4j.segmentation.data;

import java.util.SplittableRandom;

/**
 * mmseg's training pipeline on image and label map together: a random rescale by a factor in [minScale, maxScale]
 * (image bilinear, labels nearest), a random crop back to the input size (padding with zeros and the ignore label
 * where the rescaled image is smaller), and a horizontal flip with probability 1/2. Every choice derives from (seed,
 * epoch, index), so a run is reproducible.
 */
public record JointAugmentation(double minScale, double maxScale, boolean flip, long seed) {
    public JointAugmentation {
        if (!(minScale > 0 && maxScale >= minScale)) {
            throw new IllegalArgumentException("scales must satisfy 0 < min <= max, got " + minScale + ", " + maxScale);
        }
    }

    public static JointAugmentation none() {
        return new JointAugmentation(1, 1, false, 0);
    }

    /**
     * Augments in place: {@code image} {@code channels x side x side} planes and {@code labels} {@code side x side}
     * at the offsets.
     */
    public void apply(float[] image, int imageOffset, int[] labels, int labelOffset, int channels, int side, int epoch,
                      int index) {
        if (minScale == 1 && maxScale == 1 && !flip) {
            return;
        }
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (epoch * 0xC2B2AE3D27D4EB4FL)
                ^ (index * 0x165667B19E3779F9L));
        double scale = minScale + r.nextDouble() * (maxScale - minScale);
        int scaled = Math.max(1, (int) Math.round(side * scale));
        int range = Math.abs(scaled - side);
        int offY = range == 0 ? 0 : r.nextInt(range + 1), offX = range == 0 ? 0 : r.nextInt(range + 1);
        boolean mirror = flip && r.nextBoolean();
        int plane = side * side;
        float[] img = new float[channels * plane];
        int[] lab = new int[plane];
        for (int y = 0; y < side; y++) {
            // position in the rescaled picture: cropped (larger) or padded around (smaller)
            int py = scaled >= side ? y + offY : y - offY;
            for (int x = 0; x < side; x++) {
                int xx = mirror ? side - 1 - x : x;
                int px = scaled >= side ? xx + offX : xx - offX;
                int o = y * side + x;
                if (py < 0 || py >= scaled || px < 0 || px >= scaled) {
                    lab[o] = SegmentationDataset.IGNORE;
                    continue;
                }
                // nearest for labels, bilinear (pixel centres) for the image
                int ny = Math.min(side - 1, (int) ((py + 0.5) * side / scaled));
                int nx = Math.min(side - 1, (int) ((px + 0.5) * side / scaled));
                lab[o] = labels[labelOffset + ny * side + nx];
                double sy = Math.max(0, (py + 0.5) * side / scaled - 0.5);
                double sx = Math.max(0, (px + 0.5) * side / scaled - 0.5);
                int y0 = Math.min((int) sy, side - 1), x0 = Math.min((int) sx, side - 1);
                int y1 = Math.min(y0 + 1, side - 1), x1 = Math.min(x0 + 1, side - 1);
                double ly = sy - y0, lx = sx - x0;
                for (int c = 0; c < channels; c++) {
                    int b = imageOffset + c * plane;
                    img[c * plane + o] = (float) ((1 - ly) * ((1 - lx) * image[b + y0 * side + x0]
                            + lx * image[b + y0 * side + x1]) + ly * ((1 - lx) * image[b + y1 * side + x0]
                            + lx * image[b + y1 * side + x1]));
                }
            }
        }
        System.arraycopy(img, 0, image, imageOffset, img.length);
        System.arraycopy(lab, 0, labels, labelOffset, plane);
    }
}
