package org.vil4j.training;

/**
 * What the optimiser does.
 *
 * @param kind              "adamw" or "sgd"
 * @param weightDecay       decoupled (AdamW) or L2 (SGD) weight decay
 * @param decayExclusion    which parameters get no weight decay ({@link WeightDecayExclusion})
 * @param beta1             AdamW's first-moment decay
 * @param beta2             AdamW's second-moment decay
 * @param eps               AdamW's epsilon
 * @param momentum          SGD's momentum
 * @param nesterov          SGD's Nesterov variant
 * @param clipGradNorm      the largest global gradient norm (0: no clipping)
 * @param layerwiseLrDecay  1 for none; below 1, blocks nearer the input learn slower (fine-tuning, as the reference's
 *                          LayerwiseLrDecay)
 */
public record OptimizerSettings(String kind, double weightDecay, WeightDecayExclusion decayExclusion, double beta1,
                                double beta2, double eps, double momentum, boolean nesterov, double clipGradNorm,
                                double layerwiseLrDecay) {
    public OptimizerSettings {
        if (!kind.equals("adamw") && !kind.equals("sgd")) {
            throw new IllegalArgumentException("optimiser must be adamw or sgd, got " + kind);
        }
        // written so that NaN fails every check
        if (!(weightDecay >= 0 && weightDecay < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("weight decay (--weight-decay) must be >= 0, got " + weightDecay);
        }
        if (!(clipGradNorm >= 0 && clipGradNorm < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("gradient clipping (--clip-grad-norm) must be >= 0, got "
                    + clipGradNorm);
        }
        if (!(layerwiseLrDecay > 0 && layerwiseLrDecay <= 1)) {
            throw new IllegalArgumentException("layer-wise decay (--layer-decay) must be in (0, 1], got "
                    + layerwiseLrDecay);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum (--momentum) must be in [0, 1), got " + momentum);
        }
    }

    /** AdamW with torch's defaults (betas 0.9/0.999, eps 1e-8). */
    public static OptimizerSettings adamw(double weightDecay) {
        return new OptimizerSettings("adamw", weightDecay, WeightDecayExclusion.POS_EMBED_BIAS_NORM, 0.9, 0.999,
                1e-8, 0, false, 0, 1);
    }

    public OptimizerSettings withClipGradNorm(double norm) {
        return new OptimizerSettings(kind, weightDecay, decayExclusion, beta1, beta2, eps, momentum, nesterov, norm,
                layerwiseLrDecay);
    }

    public OptimizerSettings withLayerwiseLrDecay(double decay) {
        return new OptimizerSettings(kind, weightDecay, decayExclusion, beta1, beta2, eps, momentum, nesterov,
                clipGradNorm, decay);
    }
}
