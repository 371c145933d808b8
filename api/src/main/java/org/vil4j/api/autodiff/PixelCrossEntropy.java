package org.vil4j.api.autodiff;

/**
 * Softmax cross-entropy per pixel on the host, as torch's {@code cross_entropy(ignore_index=..., reduction="mean")}:
 * logits channels-last ({@code [B, H*W, classes]}, flattened), one label per pixel; pixels labelled
 * {@code ignoreIndex} add nothing, and the mean is over the others (0 and a zero gradient when there are none).
 * Also returns each pixel's top class, for the metrics.
 */
public final class PixelCrossEntropy {
    private PixelCrossEntropy() {
    }

    /**
     * @param loss      mean over the labelled pixels
     * @param gradient  d loss / d logits, same layout as the logits
     * @param predicted each pixel's top class
     * @param labelled  how many pixels were not ignored
     */
    public record Result(double loss, float[] gradient, int[] predicted, int labelled) {
    }

    public static Result of(float[] logits, int[] labels, int classes, int ignoreIndex) {
        return of(logits, labels, classes, ignoreIndex, 1.0);
    }

    /** The same with the loss (and gradient) multiplied by {@code weight}: an auxiliary head's share. */
    public static Result of(float[] logits, int[] labels, int classes, int ignoreIndex, double weight) {
        int pixels = labels.length;
        if (logits.length != (long) pixels * classes) {
            throw new IllegalArgumentException(logits.length + " logits for " + pixels + " pixels of " + classes
                    + " classes");
        }
        int labelled = 0;
        for (int i = 0; i < pixels; i++) {
            int label = labels[i];
            if (label == ignoreIndex) {
                continue;
            }
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " of pixel " + i + " is neither a class in [0, "
                        + classes + ") nor the ignore index " + ignoreIndex);
            }
            labelled++;
        }
        float[] grad = new float[logits.length];
        int[] predicted = new int[pixels];
        double norm = labelled == 0 ? 0 : weight / labelled;
        // blocks of pixels in parallel, each block's loss kept apart and added in block order: the same result for
        // any number of threads (a batch of 64 48x48 scenes is 1.6M logits: single-threaded it cost more than the
        // GPU's whole training step)
        int blocks = (pixels + BLOCK - 1) / BLOCK;
        double[] partial = new double[blocks];
        java.util.stream.IntStream.range(0, blocks).parallel().forEach(b -> partial[b] = block(logits, labels,
                classes, ignoreIndex, norm, grad, predicted, b * BLOCK, Math.min(pixels, (b + 1) * BLOCK)));
        double total = 0;
        for (double t : partial) {
            total += t;
        }
        return new Result(total * norm, grad, predicted, labelled);
    }

    private static final int BLOCK = 4096;

    /** Pixels [from, to): their top classes, gradients, and the sum of their losses (unscaled). */
    private static double block(float[] logits, int[] labels, int classes, int ignoreIndex, double norm,
                                float[] grad, int[] predicted, int from, int to) {
        double[] e = new double[classes];
        double total = 0;
        for (int i = from; i < to; i++) {
            int base = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int c = 0; c < classes; c++) {
                if (logits[base + c] > max) {
                    max = logits[base + c];
                    argmax = c;
                }
            }
            predicted[i] = argmax;
            int label = labels[i];
            if (label == ignoreIndex) {
                continue;
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                e[c] = Math.exp(logits[base + c] - max);
                sum += e[c];
            }
            total -= logits[base + label] - (Math.log(sum) + max);
            double scale = norm / sum;
            for (int c = 0; c < classes; c++) {
                grad[base + c] = (float) (e[c] * scale - (c == label ? norm : 0));
            }
        }
        return total;
    }
}
