package org.vil4j.segmentation.data;

import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.FashionMnist;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A classification set (`--dataset fmnist-placed`) that shows a backbone what fmnist-scenes will: one Fashion-MNIST
 * item on the scenes' dark canvas, at a random scale and place, cut as the scene generator cuts it (its pixels where
 * its intensity is above {@link FmnistScenes#THRESHOLD}), labelled with its class. A classifier trained on lone
 * 28 x 28 items sees one scale at one place on a 7 x 7 token grid; a scene asks for items of 0.75-1.25x anywhere on a
 * 12 x 12 one. Sample {@code i} is item {@code i % items} (every item {@code copies} times an epoch), placed by a draw
 * that depends only on the seed and i.
 */
public final class FmnistPlaced implements Dataset {
    public static final String NAME = "fmnist-placed";

    private final Dataset items;
    private final String name;
    private final SceneLayout layout;
    private final int copies;
    private final long seed;

    /**
     * @param items  Fashion-MNIST images (train or test split)
     * @param layout the canvas and the items' scale range (its item count and occlusion are not used: one item)
     * @param copies how many times each item appears, each time drawn anew
     */
    public FmnistPlaced(Dataset items, String split, SceneLayout layout, int copies, long seed) {
        if (copies < 1 || (long) copies * items.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("fmnist-placed: " + copies + " copies of " + items.size()
                    + " items (must be >= 1 and fewer than 2^31 samples)");
        }
        if (items.height() != FashionMnist.SIDE || items.width() != FashionMnist.SIDE || items.channels() != 1) {
            throw new IllegalArgumentException("fmnist-placed places 1x28x28 items, not " + items.channels() + "x"
                    + items.height() + "x" + items.width() + " (" + items.name() + ")");
        }
        this.items = items;
        this.name = NAME + "/" + split;
        this.layout = layout;
        this.copies = copies;
        this.seed = seed;
    }

    /** Where sample {@code index}'s item lands: which item, its scene class (1-10), its side and its box's top left. */
    public FmnistScenes.Placement placement(int index) {
        int which = Math.floorMod(index, items.size());
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xD1B54A32D192ED03L + 29);
        // as the scenes draw an item's size and place
        int size = FmnistScenes.drawSize(r, layout);
        int y0 = FmnistScenes.drawCorner(r, layout.side(), size);
        int x0 = FmnistScenes.drawCorner(r, layout.side(), size);
        return new FmnistScenes.Placement(which, items.label(which) + 1, size, y0, x0);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return copies * items.size();
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
        return FashionMnist.CLASS_NAMES;
    }

    @Override
    public int label(int index) {
        return items.label(Math.floorMod(index, items.size()));
    }

    @Override
    public void image(int index, float[] target, int offset) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("sample " + index + " of " + size());
        }
        FmnistScenes.Placement p = placement(index);
        float[] item = new float[FashionMnist.SIDE * FashionMnist.SIDE];
        items.image(p.item(), item, 0);
        int side = layout.side();
        java.util.Arrays.fill(target, offset, offset + side * side, 0f);
        for (int y = 0; y < p.size(); y++) {
            for (int x = 0; x < p.size(); x++) {
                int c = FmnistScenes.canvasPixel(side, p.size(), p.y(), p.x(), y, x);
                float v = c < 0 ? 0 : FmnistScenes.itemValue(item, p.size(), y, x);
                if (v > FmnistScenes.THRESHOLD) {
                    target[offset + c] = FmnistScenes.quantised(v);
                }
            }
        }
    }
}
