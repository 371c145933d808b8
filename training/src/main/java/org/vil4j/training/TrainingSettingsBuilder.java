package org.vil4j.training;

/**
 * Builds {@link TrainingSettings} by name instead of its 14 positional arguments. Defaults: 1 epoch of batch 64,
 * AdamW lr 1e-3 (weight decay 0.05) with a cosine to 1e-6 after 5% warm-up, no label smoothing, drop-path or EMA,
 * seed 0, one loader thread, evaluation at the training batch size, no step log.
 */
public final class TrainingSettingsBuilder {
    private int epochs = 1;
    private int batchSize = 64;
    private double learningRate = 1e-3;
    private double minLearningRate = 1e-6;
    private double warmupFraction = 0.05;
    private double labelSmoothing;
    private OptimizerSettings optimizer = OptimizerSettings.adamw(0.05);
    private double dropPath;
    private boolean dropPathDecay;
    private double emaDecay;
    private long seed;
    private int loaderThreads = 1;
    private Integer evalBatchSize;
    private int logEverySteps;

    TrainingSettingsBuilder() {
    }

    public TrainingSettingsBuilder epochs(int epochs) {
        this.epochs = epochs;
        return this;
    }

    public TrainingSettingsBuilder batchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
    }

    /** The peak learning rate and the one the cosine ends at. */
    public TrainingSettingsBuilder learningRate(double peak, double end) {
        this.learningRate = peak;
        this.minLearningRate = end;
        return this;
    }

    public TrainingSettingsBuilder learningRate(double peak) {
        this.learningRate = peak;
        return this;
    }

    public TrainingSettingsBuilder warmup(double fraction) {
        this.warmupFraction = fraction;
        return this;
    }

    public TrainingSettingsBuilder labelSmoothing(double labelSmoothing) {
        this.labelSmoothing = labelSmoothing;
        return this;
    }

    public TrainingSettingsBuilder optimizer(OptimizerSettings optimizer) {
        this.optimizer = optimizer;
        return this;
    }

    /** Stochastic depth, rising linearly over the blocks when {@code decay}. */
    public TrainingSettingsBuilder dropPath(double rate, boolean decay) {
        this.dropPath = rate;
        this.dropPathDecay = decay;
        return this;
    }

    /** An EMA of the weights with this decay, evaluated beside them (0: off). */
    public TrainingSettingsBuilder ema(double decay) {
        this.emaDecay = decay;
        return this;
    }

    public TrainingSettingsBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    public TrainingSettingsBuilder loaderThreads(int loaderThreads) {
        this.loaderThreads = loaderThreads;
        return this;
    }

    public TrainingSettingsBuilder evalBatchSize(int evalBatchSize) {
        this.evalBatchSize = evalBatchSize;
        return this;
    }

    public TrainingSettingsBuilder logEverySteps(int steps) {
        this.logEverySteps = steps;
        return this;
    }

    public TrainingSettings build() {
        return new TrainingSettings(epochs, batchSize, learningRate, minLearningRate, warmupFraction, labelSmoothing,
                optimizer, dropPath, dropPathDecay, emaDecay, seed, loaderThreads,
                evalBatchSize != null ? evalBatchSize : batchSize, logEverySteps);
    }
}
