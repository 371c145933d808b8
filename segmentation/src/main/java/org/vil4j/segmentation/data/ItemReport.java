package org.vil4j.segmentation.data;

import java.util.List;
import java.util.Locale;

/**
 * How a segmentation of fmnist-scenes treats whole items, not pixels: an item is right when the class most of its
 * visible pixels are given (background aside) is its own; it is split when under 90% of its non-background pixels
 * share that class. Also the mIoU the same predictions would have if each item's non-background pixels were given
 * its majority class: an upper bound for what making items consistent can add (it knows where the items are, which a
 * model does not). A pixel belongs to the item that ends on top there (the last pasted whose box holds it and whose
 * class the label map shows).
 */
public final class ItemReport {
    /** Under this share of an item's non-background pixels in its majority class, the item counts as split. */
    public static final double SPLIT = 0.9;

    private final int classes;
    private final long[] items;
    private final long[] right;
    private final long[][] confusion;
    private long split;
    private final SegmentationMetrics voted;

    public ItemReport(int classes) {
        this.classes = classes;
        this.items = new long[classes];
        this.right = new long[classes];
        this.confusion = new long[classes][classes];
        this.voted = new SegmentationMetrics(classes);
    }

    /** Adds one scene and the predicted class of each of its pixels ({@code predicted[offset ...]}, row-major). */
    public void add(FmnistScenes.Scene scene, int[] predicted, int offset) {
        int[] labels = scene.labels();
        int plane = labels.length;
        int side = (int) Math.round(Math.sqrt(plane));
        int[] owner = owners(scene, side);
        int[] vote = new int[plane];
        System.arraycopy(predicted, offset, vote, 0, plane);
        List<FmnistScenes.Placement> placed = scene.items();
        for (int j = 0; j < placed.size(); j++) {
            long[] count = new long[classes];
            for (int q = 0; q < plane; q++) {
                if (owner[q] == j) {
                    count[predicted[offset + q]]++;
                }
            }
            long visible = 0;
            for (long c : count) {
                visible += c;
            }
            if (visible == 0) {
                continue; // wholly covered by later items
            }
            int label = placed.get(j).label();
            int majority = 1;
            for (int c = 2; c < classes; c++) {
                if (count[c] > count[majority]) {
                    majority = c;
                }
            }
            long foreground = visible - count[0];
            int decided = foreground == 0 ? 0 : majority;
            items[label]++;
            confusion[label][decided]++;
            if (decided == label) {
                right[label]++;
            }
            if (foreground == 0 || count[majority] < SPLIT * foreground) {
                split++;
            }
            for (int q = 0; q < plane; q++) {
                if (owner[q] == j && predicted[offset + q] != 0) {
                    vote[q] = majority;
                }
            }
        }
        voted.add(labels, vote);
    }

    /** The item on top at each pixel (-1: background). */
    private static int[] owners(FmnistScenes.Scene scene, int side) {
        int[] labels = scene.labels();
        int[] owner = new int[labels.length];
        java.util.Arrays.fill(owner, -1);
        List<FmnistScenes.Placement> placed = scene.items();
        for (int j = 0; j < placed.size(); j++) {
            FmnistScenes.Placement p = placed.get(j);
            for (int y = Math.max(0, p.y()); y < Math.min(side, p.y() + p.size()); y++) {
                for (int x = Math.max(0, p.x()); x < Math.min(side, p.x() + p.size()); x++) {
                    if (labels[y * side + x] == p.label()) {
                        owner[y * side + x] = j; // a later item is pasted over an earlier one
                    }
                }
            }
        }
        return owner;
    }

    public long items() {
        long n = 0;
        for (long c : items) {
            n += c;
        }
        return n;
    }

    /** The share of items whose majority class is their own. */
    public double accuracy() {
        long n = items(), r = 0;
        for (long c : right) {
            r += c;
        }
        return n == 0 ? Double.NaN : (double) r / n;
    }

    /** The share of items split between classes (see {@link #SPLIT}). */
    public double splitShare() {
        long n = items();
        return n == 0 ? Double.NaN : (double) split / n;
    }

    /** Items of class {@code label} decided as {@code decided} (0: all their pixels predicted background). */
    public long confusion(int label, int decided) {
        return confusion[label][decided];
    }

    /** The metrics had each item's non-background pixels been given its majority class. */
    public SegmentationMetrics voted() {
        return voted;
    }

    /** Per-class item accuracy, the confusion of items (rows: their class, columns: their majority), the bound. */
    public String table(List<String> names) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "items %d: %.2f%% given their own class by most of their pixels, "
                + "%.1f%% split (under %.0f%% of their pixels in one class)%n", items(), 100 * accuracy(),
                100 * splitShare(), 100 * SPLIT));
        out.append(String.format(Locale.ROOT, "%-14s %6s %8s   majority class of the item's pixels (0: none)%n",
                "class", "items", "right"));
        for (int c = 1; c < classes; c++) {
            out.append(String.format(Locale.ROOT, "%-14s %6d %7.1f%%  ", names.get(c), items[c],
                    items[c] == 0 ? Double.NaN : 100.0 * right[c] / items[c]));
            for (int d = 0; d < classes; d++) {
                out.append(String.format(Locale.ROOT, "%4d", confusion[c][d]));
            }
            out.append(System.lineSeparator());
        }
        out.append(String.format(Locale.ROOT, "each item's pixels given its majority class (knowing where the items "
                + "are): mIoU %.2f%%, pixel accuracy %.2f%%", 100 * voted.meanIou(), 100 * voted.pixelAccuracy()));
        return out.toString();
    }
}
