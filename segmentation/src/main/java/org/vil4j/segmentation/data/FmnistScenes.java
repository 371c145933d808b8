package org.vil4j.segmentation.data;

import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.FashionMnist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A generated segmentation set (`--dataset fmnist-scenes`): Fashion-MNIST items pasted on a dark square canvas, each
 * scaled by a random factor, later ones on top, with the label map of what ends on top. Class 0 is the background,
 * class k + 1 the Fashion-MNIST class k; an item's pixel belongs to it where its intensity is above {@link #THRESHOLD}
 * (the rest of its box is background, as it looks). An item lies wholly on the canvas when it fits; a place is drawn
 * again (up to {@link #PLACEMENT_TRIES} times, else the item is left out) while it would leave an earlier item with
 * less than {@code 1 - maxOcclusion} of its pixels in view, so that every item shows enough of itself to be told
 * apart. Scene i depends only on the seed, the split's items, the layout and i, and is drawn when asked for: any
 * count costs no memory. Held out: the test split pastes only items of Fashion-MNIST's test set. Drawn
 * {@linkplain #freshEachEpoch() fresh each epoch}, epoch e's scene i is scene {@code e * count + i} of the same endless
 * sequence: each epoch pastes its items at new scales, places and neighbours instead of repeating one fixed set.
 */
public final class FmnistScenes implements SegmentationDataset {
    public static final String NAME = "fmnist-scenes";
    public static final float THRESHOLD = 0.2f;
    public static final int PLACEMENT_TRIES = 20;

    /** One pasted item: its index in the items' dataset, its class (1-10), its side and its box's top left. */
    public record Placement(int item, int label, int size, int y, int x) {
    }

    /** A drawn scene: intensities in [0, 1], labels, and the items in the order they were pasted. */
    public record Scene(float[] pixels, int[] labels, List<Placement> items) {
    }

    private final Dataset items;
    private final String name;
    private final SceneLayout layout;
    private final int count;
    private final long seed;
    private final boolean fresh;
    private final long firstDraw;

    /**
     * @param items  Fashion-MNIST images (train or test split)
     * @param count  how many scenes
     * @param layout canvas, items per scene, their scales and how much of them may be hidden
     */
    public FmnistScenes(Dataset items, String split, int count, SceneLayout layout, long seed) {
        this(items, NAME + "/" + split, count, layout, seed, false, 0);
    }

    private FmnistScenes(Dataset items, String name, int count, SceneLayout layout, long seed, boolean fresh,
                         long firstDraw) {
        if (count < 1) {
            throw new IllegalArgumentException("fmnist-scenes: " + count + " scenes (must be >= 1)");
        }
        if (items.height() != FashionMnist.SIDE || items.width() != FashionMnist.SIDE || items.channels() != 1) {
            throw new IllegalArgumentException("fmnist-scenes pastes 1x28x28 items, not " + items.channels() + "x"
                    + items.height() + "x" + items.width() + " (" + items.name() + ")");
        }
        this.items = items;
        this.name = name;
        this.layout = layout;
        this.count = count;
        this.seed = seed;
        this.fresh = fresh;
        this.firstDraw = firstDraw;
    }

    /** The same scenes, but drawn anew for every epoch (see the class comment); epoch 0's are these. */
    public FmnistScenes freshEachEpoch() {
        return new FmnistScenes(items, name, count, layout, seed, true, firstDraw);
    }

    public boolean isFreshEachEpoch() {
        return fresh;
    }

    @Override
    public SegmentationDataset forEpoch(int epoch) {
        return fresh ? new FmnistScenes(items, name, count, layout, seed, true, (long) epoch * count) : this;
    }

    public SceneLayout layout() {
        return layout;
    }

    /** Draws scene {@code index}. */
    public Scene scene(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("scene " + index + " of " + count);
        }
        int side = layout.side(), plane = side * side;
        long drawn = firstDraw + index;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + drawn * 0xBF58476D1CE4E5B9L + 17);
        float[] pixels = new float[plane];
        int[] labels = new int[plane];
        int[] owner = new int[plane]; // which placed item shows at a pixel, -1: none
        Arrays.fill(owner, -1);
        List<Placement> placed = new ArrayList<>();
        int[] pasted = new int[layout.maxItems()]; // each placed item's pixels on the canvas when pasted
        int[] shown = new int[layout.maxItems()]; // and how many of them are still on top
        float[] item = new float[FashionMnist.SIDE * FashionMnist.SIDE];
        int wanted = 1 + r.nextInt(layout.maxItems());
        for (int k = 0; k < wanted; k++) {
            int which = r.nextInt(items.size());
            items.image(which, item, 0);
            int size = drawSize(r, layout);
            for (int attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
                int y0 = drawCorner(r, side, size);
                int x0 = drawCorner(r, side, size);
                if (!placed.isEmpty() && !leavesEnough(item, size, y0, x0, owner, shown, pasted, placed.size())) {
                    continue;
                }
                int id = placed.size();
                int mine = 0;
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        int p = canvasPixel(side, size, y0, x0, y, x);
                        float v = p < 0 ? 0 : itemValue(item, size, y, x);
                        if (v > THRESHOLD) {
                            if (owner[p] >= 0) {
                                shown[owner[p]]--;
                            }
                            owner[p] = id;
                            pixels[p] = quantised(v);
                            labels[p] = items.label(which) + 1;
                            mine++;
                        }
                    }
                }
                shown[id] = mine;
                pasted[id] = mine;
                placed.add(new Placement(which, items.label(which) + 1, size, y0, x0));
                break;
            }
        }
        return new Scene(pixels, labels, List.copyOf(placed));
    }

    /** Whether every earlier item keeps at least {@code 1 - maxOcclusion} of its pixels in view under this one. */
    private boolean leavesEnough(float[] item, int size, int y0, int x0, int[] owner, int[] shown, int[] pasted,
                                 int placed) {
        int[] covered = new int[shown.length];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int p = canvasPixel(layout.side(), size, y0, x0, y, x);
                if (p >= 0 && owner[p] >= 0 && itemValue(item, size, y, x) > THRESHOLD) {
                    covered[owner[p]]++;
                }
            }
        }
        for (int j = 0; j < placed; j++) {
            if (shown[j] - covered[j] < (1 - layout.maxOcclusion()) * pasted[j]) {
                return false;
            }
        }
        return true;
    }

    /** The canvas index of the item's pixel (y, x) pasted at (y0, x0), or -1 off the canvas. */
    static int canvasPixel(int side, int size, int y0, int x0, int y, int x) {
        int cy = y0 + y, cx = x0 + x;
        return cy < 0 || cy >= side || cx < 0 || cx >= side ? -1 : cy * side + cx;
    }

    /** An item's side: 28 px times a factor drawn from the layout's scale range. */
    static int drawSize(SplittableRandom r, SceneLayout layout) {
        return (int) Math.round(FashionMnist.SIDE * (layout.minScale()
                + r.nextDouble() * (layout.maxScale() - layout.minScale())));
    }

    /** A box's top (or left) on the canvas: wholly on it when the box fits, else covering it. */
    static int drawCorner(SplittableRandom r, int side, int size) {
        return Math.min(0, side - size) + r.nextInt(Math.abs(side - size) + 1);
    }

    /** A pasted intensity as the scenes store it: a byte's worth of precision, as an image file would hold it. */
    static float quantised(float v) {
        return Math.round(v * 255) / 255f;
    }

    /** Nearest-neighbour scaling of the 28 x 28 item to a {@code size} box. */
    static float itemValue(float[] item, int size, int y, int x) {
        int sy = Math.min(FashionMnist.SIDE - 1, y * FashionMnist.SIDE / size);
        int sx = Math.min(FashionMnist.SIDE - 1, x * FashionMnist.SIDE / size);
        return item[sy * FashionMnist.SIDE + sx];
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
        return layout.side();
    }

    @Override
    public int width() {
        return layout.side();
    }

    @Override
    public List<String> classNames() {
        return classNamesList();
    }

    @Override
    public void sample(int index, float[] image, int imageOffset, int[] target, int labelOffset) {
        Scene s = scene(index);
        System.arraycopy(s.pixels(), 0, image, imageOffset, s.pixels().length);
        System.arraycopy(s.labels(), 0, target, labelOffset, s.labels().length);
    }
}
