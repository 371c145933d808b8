package org.vil4j.api;

/**
 * One AdamW update (decoupled weight decay, as torch.optim.AdamW): {@code p -= lr * (wd * p + mhat / (sqrt(vhat) +
 * eps))} with bias-corrected moments; the gradient is multiplied by {@code gradScale} first (norm clipping).
 *
 * @param step 1 for the first update (bias correction)
 */
public record AdamWStep(float learningRate, float beta1, float beta2, float eps, float weightDecay, int step,
                        float gradScale) {
    public AdamWStep {
        if (step < 1) {
            throw new IllegalArgumentException("AdamW step counts from 1, got " + step);
        }
    }

    /** {@code 1 - beta1^step}. */
    public float biasCorrection1() {
        return (float) (1 - Math.pow(beta1, step));
    }

    /** {@code 1 - beta2^step}. */
    public float biasCorrection2() {
        return (float) (1 - Math.pow(beta2, step));
    }
}
