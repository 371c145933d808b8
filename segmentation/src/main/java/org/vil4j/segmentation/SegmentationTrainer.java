package org.vil4j.segmentation;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.api.autodiff.PixelCrossEntropy;
import org.vil4j.segmentation.data.JointAugmentation;
import org.vil4j.segmentation.data.SegmentationDataset;
import org.vil4j.segmentation.data.SegmentationMetrics;
import org.vil4j.training.LearningRateSchedule;
import org.vil4j.training.Optimizer;
import org.vil4j.training.OptimizerSettings;
import org.vil4j.training.data.Normalisation;
import org.vil4j.training.data.OrderedPrefetch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a {@link SegmentationModel}: forward on a tape, pixel-wise cross-entropy (ignore index 255) on the host for
 * the main logits plus the auxiliary head's at its weight, one backward through both (their logits side by side),
 * AdamW with warm-up and cosine decay. Evaluation runs the same model unrecorded.
 */
public final class SegmentationTrainer {
    /**
     * The recipe.
     *
     * @param layerDecay    layer-wise learning-rate decay (1: none; below 1 a pretrained backbone's blocks nearer the
     *                      input learn slower than the decoder, which always takes the full rate)
     * @param loaderThreads threads drawing and augmenting the next batches while a step runs (at least 1); the
     *                      batches do not depend on it
     */
    public record Settings(int epochs, int batchSize, double learningRate, double minLearningRate, double warmup,
                           double weightDecay, double layerDecay, long seed, JointAugmentation augmentation,
                           Normalisation normalisation, int loaderThreads) {
        public Settings {
            if (loaderThreads < 1) {
                throw new Vil4jException("--loader-threads must be at least 1, got " + loaderThreads);
            }
        }
    }

    /** A training batch, channels-first images and their label maps. */
    private record Batch(float[] images, int[] labels) {
    }

    /** One epoch's numbers. */
    public record EpochResult(int epoch, double trainLoss, double meanIou, double pixelAccuracy, double seconds,
                              double imagesPerSecond, SegmentationMetrics metrics) {
    }

    /** Progress lines. */
    public interface Listener {
        default void step(int epoch, int batch, int batches, double loss, double imagesPerSecond) {
        }

        default void epoch(EpochResult result) {
        }
    }

    private final GradientTape tape;
    private final SegmentationModel model;
    private final Optimizer optimizer;
    private final Settings settings;
    private long steps;
    private int epochsDone;
    private String recipeJson;

    public SegmentationTrainer(Ops ops, Plugins plugins, SegmentationConfig config, Settings settings,
                               Map<String, HostTensor> weights, String source) {
        this.tape = new GradientTape(ops);
        this.settings = settings;
        this.model = new SegmentationModel(config, plugins, tape, weights, source);
        this.optimizer = new Optimizer(ops, model.parameters(), Math.max(1, config.backbone().depth()),
                OptimizerSettings.adamw(settings.weightDecay()).withLayerwiseLrDecay(settings.layerDecay()));
    }

    /** The optimiser's learning-rate factor for a parameter (layer-wise decay). */
    public double lrScaleOf(String name) {
        return optimizer.lrScaleOf(name);
    }

    public SegmentationModel model() {
        return model;
    }

    /** Epochs finished (a resumed run: counting those before the checkpoint). */
    public int epochsDone() {
        return epochsDone;
    }

    /** Updates so far. */
    public long steps() {
        return steps;
    }

    /** A JSON object of the options that decide the trajectory, recorded in every checkpoint (checked on resume). */
    public void setRecipeJson(String json) {
        this.recipeJson = json;
    }

    /**
     * Restores the weights, the optimiser state and the position (epochs done, steps) from a checkpoint of the same
     * model and seed: {@link #run} then continues exactly where the checkpointed run stopped.
     */
    public void resume(SegmentationCheckpoint checkpoint, java.nio.file.Path source) {
        SegmentationConfig c = model.config();
        String was = org.vil4j.training.ConfigJson.write(checkpoint.config().backbone()) + " "
                + checkpoint.config().toJson() + " " + checkpoint.config().classNames();
        String now = org.vil4j.training.ConfigJson.write(c.backbone()) + " " + c.toJson() + " " + c.classNames();
        if (!was.equals(now)) {
            throw new Vil4jException(source + ": the checkpoint's model differs from this run's: " + was + " vs "
                    + now);
        }
        if (checkpoint.seed() != settings.seed()) {
            throw new Vil4jException(source + ": the checkpoint was trained with seed " + checkpoint.seed()
                    + ", this run has --seed " + settings.seed());
        }
        if (checkpoint.epochsDone() >= settings.epochs()) {
            throw new Vil4jException(source + ": the run is finished (" + checkpoint.epochsDone() + " of "
                    + settings.epochs() + " epochs done): nothing to resume");
        }
        List<String> problems = new ArrayList<>();
        model.parameters().forEach((name, t) -> {
            float[] v = checkpoint.params().get(name);
            if (v == null || v.length != t.shape().size()) {
                problems.add("param." + name + (v == null ? " missing" : " has " + v.length + " values for "
                        + t.shape()));
            }
        });
        if (!problems.isEmpty()) {
            throw new Vil4jException(source + ": checkpoint does not fit the model: " + String.join(", ", problems));
        }
        optimizer.restore(checkpoint.optimizerState(), checkpoint.steps(), source.toString());
        model.parameters().forEach((name, t) -> tape.assign(t, checkpoint.params().get(name)));
        this.steps = checkpoint.steps();
        this.epochsDone = checkpoint.epochsDone();
    }

    /** The weights, optimiser state, position, seed and recipe, written atomically. */
    public void writeCheckpoint(java.nio.file.Path file) {
        SegmentationCheckpoint.write(file, model.config(), weights(), shapes(), optimizer.state(), epochsDone, steps,
                settings.seed(), recipeJson);
    }

    /** One step on a normalised batch {@code [B, C, H, W]} with its labels; returns the loss (main + aux share). */
    public double step(float[] images, int[] labels, int batch, double lr) {
        SegmentationConfig c = model.config();
        int side = labels.length / batch;
        int h = (int) Math.round(Math.sqrt(side));
        int classes = c.classes();
        model.settleConstants();
        tape.begin();
        try {
            Tensor x = tape.upload(Shape.of(batch, c.backbone().channels(), h, side / h), images);
            SegmentationModel.Output out = model.forward(x);
            boolean aux = out.auxLogits() != null && c.auxWeight() > 0;
            Tensor logits = aux ? tape.concatColumns(out.logits(), out.auxLogits()) : out.logits();
            float[] all = tape.download(logits);
            int width = logits.shape().last();
            float[] main = aux ? slice(all, width, 0, classes) : all;
            PixelCrossEntropy.Result m = PixelCrossEntropy.of(main, labels, classes, SegmentationDataset.IGNORE);
            double loss = m.loss();
            float[] grad = m.gradient();
            if (aux) {
                PixelCrossEntropy.Result a = PixelCrossEntropy.of(slice(all, width, classes, classes), labels,
                        classes, SegmentationDataset.IGNORE, c.auxWeight());
                loss += a.loss();
                grad = new float[all.length];
                place(grad, width, 0, m.gradient(), classes);
                place(grad, width, classes, a.gradient(), classes);
            }
            if (!Double.isFinite(loss)) {
                throw new Vil4jException("training diverged: loss " + loss + " at step " + (steps + 1)
                        + " (lower --lr)");
            }
            Map<Tensor, Tensor> grads = tape.backward(logits, tape.base().upload(logits.shape(), grad));
            optimizer.step(grads, lr);
            steps++;
            return loss;
        } finally {
            tape.end();
        }
    }

    private static float[] slice(float[] rows, int width, int start, int count) {
        int n = rows.length / width;
        float[] out = new float[n * count];
        for (int r = 0; r < n; r++) {
            System.arraycopy(rows, r * width + start, out, r * count, count);
        }
        return out;
    }

    private static void place(float[] rows, int width, int start, float[] part, int count) {
        for (int r = 0; r < part.length / count; r++) {
            System.arraycopy(part, r * count, rows, r * width + start, count);
        }
    }

    /** Per-pixel predictions for a normalised batch (unrecorded). */
    public int[] predict(float[] images, int batch, int height, int width) {
        return predict(model, images, batch, height, width);
    }

    /** Per-pixel top classes of {@code model} on a normalised batch {@code [B, C, H, W]}. */
    public static int[] predict(SegmentationModel model, float[] images, int batch, int height, int width) {
        return topClasses(logits(model, images, batch, height, width), model.config().classes());
    }

    /** The model's logits {@code [B, H, W, classes]} for a normalised batch {@code [B, C, H, W]}, on the host. */
    static float[] logits(SegmentationModel model, float[] images, int batch, int height, int width) {
        Ops ops = model.ops();
        model.settleConstants();
        long mark = ops.mark();
        try {
            Tensor x = ops.upload(Shape.of(batch, model.config().backbone().channels(), height, width), images);
            return ops.download(model.forward(x).logits());
        } finally {
            ops.release(mark);
        }
    }

    /** Each pixel's class of highest score ({@code [pixels, classes]}; the first of equal ones). */
    static int[] topClasses(float[] scores, int classes) {
        int[] out = new int[scores.length / classes];
        for (int p = 0; p < out.length; p++) {
            int best = 0;
            for (int k = 1; k < classes; k++) {
                if (scores[p * classes + k] > scores[p * classes + best]) {
                    best = k;
                }
            }
            out[p] = best;
        }
        return out;
    }

    /** mIoU and pixel accuracy of {@code model} on (the first {@code limit} samples of) a dataset. */
    public static SegmentationMetrics evaluate(SegmentationModel model, SegmentationDataset data, int batchSize,
                                               Normalisation normalisation, int limit) {
        return evaluate(model, data, batchSize, normalisation, limit, null);
    }

    /**
     * As {@link #evaluate(SegmentationModel, SegmentationDataset, int, Normalisation, int)}, predicting through
     * {@code views} (null: the image alone).
     */
    public static SegmentationMetrics evaluate(SegmentationModel model, SegmentationDataset data, int batchSize,
                                               Normalisation normalisation, int limit, TestTimeViews views) {
        return evaluate(model, data, batchSize, normalisation, limit, views, null);
    }

    /** Each evaluated batch: the index of its first sample, their labels and the predicted classes, row-major. */
    public interface PredictionSink {
        void accept(int first, int count, int[] labels, int[] predicted);
    }

    /** ... also handing each batch's predictions to {@code sink} (null: none). */
    public static SegmentationMetrics evaluate(SegmentationModel model, SegmentationDataset data, int batchSize,
                                               Normalisation normalisation, int limit, TestTimeViews views,
                                               PredictionSink sink) {
        int n = Math.min(limit, data.size());
        int c = data.channels(), h = data.height(), w = data.width();
        SegmentationMetrics metrics = new SegmentationMetrics(data.classes());
        for (int start = 0; start < n; start += batchSize) {
            int b = Math.min(batchSize, n - start);
            float[] images = new float[b * c * h * w];
            int[] labels = new int[b * h * w];
            for (int i = 0; i < b; i++) {
                data.sample(start + i, images, i * c * h * w, labels, i * h * w);
                normalisation.apply(images, i * c * h * w, c, h * w);
            }
            int[] predicted = views != null ? views.predict(model, images, b, h, w) : predict(model, images, b, h, w);
            metrics.add(labels, predicted);
            if (sink != null) {
                sink.accept(start, b, labels, predicted);
            }
        }
        return metrics;
    }

    /** Trains for the recipe's epochs, evaluating on {@code test} after each. */
    public List<EpochResult> run(SegmentationDataset train, SegmentationDataset test, int testLimit,
                                 Listener listener) {
        return run(train, test, testLimit, listener, null, settings.epochs());
    }

    /**
     * Trains the remaining epochs up to epoch {@code lastEpoch} (at most the recipe's), evaluating on {@code test}
     * after each and then writing a checkpoint to {@code checkpoint} (null: none). The schedule spans all the
     * recipe's epochs, so a run stopped early and {@link #resume resumed} ends where an uninterrupted one does.
     */
    public List<EpochResult> run(SegmentationDataset train, SegmentationDataset test, int testLimit,
                                 Listener listener, java.nio.file.Path checkpoint, int lastEpoch) {
        int c = train.channels(), h = train.height(), w = train.width();
        int batches = train.size() / settings.batchSize();
        if (batches < 1) {
            throw new Vil4jException("the training set (" + train.size() + " samples) is smaller than one batch of "
                    + settings.batchSize() + " (--batch-size)");
        }
        long total = (long) batches * settings.epochs();
        LearningRateSchedule schedule = new LearningRateSchedule(settings.learningRate(), settings.minLearningRate(),
                Math.round(total * settings.warmup()), total);
        model.prepare(h, w);
        List<EpochResult> results = new ArrayList<>();
        for (int epoch = epochsDone; epoch < Math.min(lastEpoch, settings.epochs()); epoch++) {
            int[] order = order(train.size(), settings.seed(), epoch);
            long start = System.nanoTime();
            double lossSum = 0;
            int b = settings.batchSize();
            int thisEpoch = epoch;
            SegmentationDataset drawn = train.forEpoch(epoch);
            // the next batches are drawn on the loader's threads while this one's step runs on the device: each is
            // a function of (epoch, its samples' indices) alone, so the threads change nothing but the time
            try (OrderedPrefetch<Batch> loader = new OrderedPrefetch<>(0, batches, settings.loaderThreads(),
                    "batch %d of " + train.name(), k -> draw(drawn, order, k, thisEpoch))) {
                for (int k = 0; k < batches; k++) {
                    Batch batch = loader.next();
                    lossSum += step(batch.images(), batch.labels(), b, schedule.at(steps));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    listener.step(epoch, k + 1, batches, lossSum / (k + 1), (k + 1) * b / seconds);
                }
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            SegmentationMetrics metrics = evaluate(model, test, settings.batchSize(), settings.normalisation(),
                    testLimit);
            EpochResult r = new EpochResult(epoch + 1, lossSum / batches, metrics.meanIou(), metrics.pixelAccuracy(),
                    trainSeconds, batches * b / trainSeconds, metrics);
            results.add(r);
            epochsDone = epoch + 1;
            // after the listener's metrics line and model file: a crash in between resumes from the epoch before,
            // whose metrics the resumed run keeps
            listener.epoch(r);
            if (checkpoint != null) {
                writeCheckpoint(checkpoint);
            }
        }
        return results;
    }

    /** Batch {@code k} of an epoch: its scenes drawn, augmented and normalised. */
    private Batch draw(SegmentationDataset train, int[] order, int k, int epoch) {
        int c = train.channels(), h = train.height(), w = train.width(), b = settings.batchSize();
        float[] images = new float[b * c * h * w];
        int[] labels = new int[b * h * w];
        for (int i = 0; i < b; i++) {
            int index = order[k * b + i];
            train.sample(index, images, i * c * h * w, labels, i * h * w);
            settings.augmentation().apply(images, i * c * h * w, labels, i * h * w, c, h, epoch, index);
            settings.normalisation().apply(images, i * c * h * w, c, h * w);
        }
        return new Batch(images, labels);
    }

    /** A seeded permutation of the samples for an epoch. */
    static int[] order(int n, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The weights on the host, by name. */
    public Map<String, float[]> weights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().forEach((name, t) -> out.put(name, tape.download(t)));
        return out;
    }

    public Map<String, Shape> shapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        model.parameters().forEach((name, t) -> out.put(name, t.shape()));
        return out;
    }
}
