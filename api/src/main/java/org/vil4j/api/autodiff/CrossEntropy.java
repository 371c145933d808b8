package org.vil4j.api.autodiff;

/**
 * Softmax cross-entropy on the host, mean over the batch, with optional label smoothing (as
 * torch.nn.functional.cross_entropy(label_smoothing=...)): the loss, d loss / d logits, and how many top-1
 * predictions were right. Logits are small ({@code [B, classes]}), so this costs one download and one upload.
 */
public final class CrossEntropy {
    private CrossEntropy() {
    }

    public record Result(double loss, float[] gradient, int correct) {
    }

    public static Result of(float[] logits, int[] labels, int classes, double smoothing) {
        int batch = labels.length;
        if (logits.length != batch * classes) {
            throw new IllegalArgumentException(logits.length + " logits for " + batch + " labels of " + classes
                    + " classes");
        }
        float[] grad = new float[logits.length];
        double total = 0;
        int correct = 0;
        for (int b = 0; b < batch; b++) {
            int label = labels[b];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " of sample " + b + " is not a class in [0, "
                        + classes + ")");
            }
            int base = b * classes;
            double max = Double.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int c = 0; c < classes; c++) {
                if (logits[base + c] > max) {
                    max = logits[base + c];
                    argmax = c;
                }
            }
            if (argmax == label) {
                correct++;
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[base + c] - max);
            }
            double logSum = Math.log(sum) + max;
            double loss = 0;
            for (int c = 0; c < classes; c++) {
                double target = (c == label ? 1 - smoothing : 0) + smoothing / classes;
                double logProb = logits[base + c] - logSum;
                loss -= target * logProb;
                grad[base + c] = (float) ((Math.exp(logProb) - target) / batch);
            }
            total += loss;
        }
        return new Result(total / batch, grad, correct);
    }
}
