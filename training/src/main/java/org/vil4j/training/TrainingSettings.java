package org.vil4j.training;

/**
 * Everything about a training run but the model and the data.
 *
 * @param epochs           passes over the training set
 * @param batchSize        samples per step (the last partial batch of an epoch is dropped)
 * @param learningRate     peak learning rate
 * @param minLearningRate  learning rate at the end of the cosine
 * @param warmupFraction   fraction of all steps spent in linear warm-up
 * @param labelSmoothing   as torch's cross_entropy(label_smoothing=...)
 * @param optimizer        optimiser settings
 * @param dropPath         stochastic-depth rate
 * @param dropPathDecay    rise linearly over the blocks (the reference's drop_path_decay)
 * @param emaDecay         exponential moving average of the weights (0: off), evaluated beside the model
 * @param seed             seeds data order, augmentation and drop-path
 * @param loaderThreads    background threads preparing batches
 * @param evalBatchSize    batch size for evaluation
 * @param logEverySteps    a step metrics line every this many steps (0: only per epoch)
 */
public record TrainingSettings(int epochs, int batchSize, double learningRate, double minLearningRate,
                               double warmupFraction, double labelSmoothing, OptimizerSettings optimizer,
                               double dropPath, boolean dropPathDecay, double emaDecay, long seed, int loaderThreads,
                               int evalBatchSize, int logEverySteps) {
    public TrainingSettings {
        if (epochs < 1 || batchSize < 1 || evalBatchSize < 1) {
            throw new IllegalArgumentException("epochs and batch sizes must be positive");
        }
        // written so that NaN fails every check
        if (!(learningRate > 0 && learningRate < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("learning rate (--lr) must be > 0, got " + learningRate);
        }
        if (!(minLearningRate >= 0 && minLearningRate <= learningRate)) {
            throw new IllegalArgumentException("the final learning rate (--min-lr) must be in [0, --lr " + learningRate
                    + "], got " + minLearningRate);
        }
        if (!(warmupFraction >= 0 && warmupFraction <= 1)) {
            throw new IllegalArgumentException("the warm-up (--warmup) must be a fraction in [0, 1], got "
                    + warmupFraction);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label smoothing (--label-smoothing) must be in [0, 1), got "
                    + labelSmoothing);
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("the EMA decay (--ema) must be in [0, 1), got " + emaDecay);
        }
        if (!(dropPath >= 0 && dropPath < 1)) {
            throw new IllegalArgumentException("the drop-path rate (--drop-path) must be in [0, 1), got " + dropPath);
        }
    }

    /** A builder with the defaults {@link TrainingSettingsBuilder} lists, instead of the 14 arguments. */
    public static TrainingSettingsBuilder builder() {
        return new TrainingSettingsBuilder();
    }
}
