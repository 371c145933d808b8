package org.vil4j.segmentation.data;

import java.util.List;
import java.util.Locale;

/**
 * A confusion matrix over labelled pixels and what mmseg reports from it: per-class IoU (TP / (TP + FP + FN)),
 * mIoU (the mean over classes that occur in labels or predictions; a class with an empty union is left out, as
 * mmseg's nanmean), pixel accuracy (correct / labelled).
 */
public final class SegmentationMetrics {
    private final int classes;
    private final long[] confusion;

    public SegmentationMetrics(int classes) {
        this.classes = classes;
        this.confusion = new long[classes * classes];
    }

    /** Adds pixels: {@code labels[i]} (or ignore) against {@code predicted[i]}. */
    public synchronized void add(int[] labels, int[] predicted) {
        for (int i = 0; i < labels.length; i++) {
            int l = labels[i];
            if (l == SegmentationDataset.IGNORE) {
                continue;
            }
            confusion[l * classes + predicted[i]]++;
        }
    }

    public long labelledPixels() {
        long n = 0;
        for (long v : confusion) {
            n += v;
        }
        return n;
    }

    public double pixelAccuracy() {
        long n = labelledPixels(), correct = 0;
        for (int c = 0; c < classes; c++) {
            correct += confusion[c * classes + c];
        }
        return n == 0 ? Double.NaN : (double) correct / n;
    }

    /** IoU of class c, NaN when it occurs in neither labels nor predictions. */
    public double iou(int c) {
        long tp = confusion[c * classes + c], fp = 0, fn = 0;
        for (int k = 0; k < classes; k++) {
            if (k != c) {
                fn += confusion[c * classes + k];
                fp += confusion[k * classes + c];
            }
        }
        long union = tp + fp + fn;
        return union == 0 ? Double.NaN : (double) tp / union;
    }

    public double meanIou() {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            double v = iou(c);
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The per-class table: class, IoU, and the share of labelled pixels it has. */
    public String table(List<String> names) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-16s %8s %9s%n", "class", "IoU", "pixels"));
        long total = labelledPixels();
        for (int c = 0; c < classes; c++) {
            long pixels = 0;
            for (int k = 0; k < classes; k++) {
                pixels += confusion[c * classes + k];
            }
            double v = iou(c);
            out.append(String.format(Locale.ROOT, "%-16s %8s %8.2f%%%n", names.get(c),
                    Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v),
                    total == 0 ? 0.0 : 100.0 * pixels / total));
        }
        out.append(String.format(Locale.ROOT, "mIoU %.2f%%, pixel accuracy %.2f%%", 100 * meanIou(),
                100 * pixelAccuracy()));
        return out.toString();
    }
}
