package org.vil4j.segmentation.data;

import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.FashionMnist;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A generated segmentation set (`--dataset fmnist-scenes`): Fashion-MNIST items pasted on a dark square canvas, each
 * scaled by a random factor, partly over the edge or over each other, with the label map of what ends on top. Class 0
 * is the background, class k + 1 the Fashion-MNIST class k; an item's pixel belongs to it where its intensity is above
 * {@link #THRESHOLD} (the rest of its 28 x 28 box is background, as it looks). Scene i of a split depends only on the
 * seed, the split's items and i: any size, any count, reproducible. Held out: the test split pastes only items of
 * Fashion-MNIST's test set.
 */
public final class FmnistScenes implements SegmentationDataset {
    public static final String NAME = "fmnist-scenes";
    public static final float THRESHOLD = 0.2f;
    public static final double MIN_ITEM_SCALE = 0.8;
    public static final double MAX_ITEM_SCALE = 1.25;

    private final String name;
    private final int side;
    private final byte[] pixels;
    private final byte[] labels;
    private final int count;

    /**
     * @param items    Fashion-MNIST images (train or test split)
     * @param count    how many scenes
     * @param side     the canvas's side in pixels (>= 16)
     * @param maxItems items per scene are 1..maxItems
     */
    public FmnistScenes(Dataset items, String split, int count, int side, int maxItems, long seed) {
        if (side < 16 || count < 1 || maxItems < 1) {
            throw new IllegalArgumentException("fmnist-scenes: canvas " + side + " (>= 16), " + count + " scenes (>= 1)"
                    + " and " + maxItems + " items (>= 1) per scene");
        }
        this.name = NAME + "/" + split;
        this.side = side;
        this.count = count;
        this.pixels = new byte[count * side * side];
        this.labels = new byte[count * side * side];
        float[] item = new float[FashionMnist.SIDE * FashionMnist.SIDE];
        for (int i = 0; i < count; i++) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L + 17);
            int n = 1 + r.nextInt(maxItems);
            for (int k = 0; k < n; k++) {
                int which = r.nextInt(items.size());
                items.image(which, item, 0);
                int cls = items.label(which) + 1;
                int size = (int) Math.round(FashionMnist.SIDE * (MIN_ITEM_SCALE
                        + r.nextDouble() * (MAX_ITEM_SCALE - MIN_ITEM_SCALE)));
                // anywhere with at least half of the box on the canvas
                int y0 = -size / 4 + r.nextInt(Math.max(1, side - size / 2));
                int x0 = -size / 4 + r.nextInt(Math.max(1, side - size / 2));
                paste(i, item, size, y0, x0, cls);
            }
        }
    }

    /** Nearest-neighbour scaling of the item into its box; pixels above the threshold overwrite the canvas. */
    private void paste(int scene, float[] item, int size, int y0, int x0, int cls) {
        int base = scene * side * side;
        for (int y = 0; y < size; y++) {
            int cy = y0 + y;
            if (cy < 0 || cy >= side) {
                continue;
            }
            int sy = Math.min(FashionMnist.SIDE - 1, y * FashionMnist.SIDE / size);
            for (int x = 0; x < size; x++) {
                int cx = x0 + x;
                if (cx < 0 || cx >= side) {
                    continue;
                }
                float v = item[sy * FashionMnist.SIDE + Math.min(FashionMnist.SIDE - 1, x * FashionMnist.SIDE / size)];
                if (v > THRESHOLD) {
                    pixels[base + cy * side + cx] = (byte) Math.round(v * 255);
                    labels[base + cy * side + cx] = (byte) cls;
                }
            }
        }
    }

    /** "background" and the ten Fashion-MNIST classes. */
    public static List<String> classNamesList() {
        List<String> names = new ArrayList<>();
        names.add("background");
        names.addAll(FashionMnist.CLASS_NAMES);
        return names;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int channels() {
        return 1;
    }

    @Override
    public int height() {
        return side;
    }

    @Override
    public int width() {
        return side;
    }

    @Override
    public List<String> classNames() {
        return classNamesList();
    }

    @Override
    public void sample(int index, float[] image, int imageOffset, int[] target, int labelOffset) {
        int plane = side * side, base = index * plane;
        for (int i = 0; i < plane; i++) {
            image[imageOffset + i] = (pixels[base + i] & 0xFF) / 255f;
            target[labelOffset + i] = labels[base + i];
        }
    }
}
