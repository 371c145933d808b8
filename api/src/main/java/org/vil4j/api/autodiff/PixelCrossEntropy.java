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
        double total = 0;
        double norm = labelled == 0 ? 0 : weight / labelled;
        for (int i = 0; i < pixels; i++) {
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
                sum += Math.exp(logits[base + c] - max);
            }
            double logSum = Math.log(sum) + max;
            total -= logits[base + label] - logSum;
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(logits[base + c] - logSum);
                grad[base + c] = (float) ((p - (c == label ? 1 : 0)) * norm);
            }
        }
        return new Result(total * norm, grad, predicted, labelled);
    }
}
