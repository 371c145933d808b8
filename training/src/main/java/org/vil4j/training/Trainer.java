package org.vil4j.training;

import org.vil4j.api.Backbone;
import org.vil4j.api.DeviceMemoryExhaustedException;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.autodiff.CrossEntropy;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.training.model.ModelFile;
import org.vil4j.training.model.ModelInfo;
import org.vil4j.training.model.PluginModelSpec;
import org.vil4j.training.data.Batch;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VisionLstm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Trains a classifier on one backend: forward on a {@link GradientTape}, host-side cross-entropy on the logits,
 * backward, then the optimiser updates the parameters where they live. Per epoch it evaluates on the test source and
 * writes a checkpoint atomically; a run resumed from a checkpoint continues exactly where it stopped (every random
 * choice derives from the seed and the step).
 *
 * <p>The model is a ViL ({@link VilConfig}) or a backbone plugin's classifier ({@link Backbone} and {@link
 * ModelSpec}). Drop-path, recomputed activations and mLSTM forms need the ViL's structure; a backbone plugin's model
 * trains without them (asking for one is an error) and keeps its buffers fixed. Both checkpoint and resume alike: a
 * plugin's checkpoint records the plugin's name and spec ({@link PluginModelSpec}) where a ViL's records its config.
 */
public final class Trainer {
    /** Progress callbacks (progress bars, logs); all optional. */
    public interface Listener {
        default void step(StepMetrics metrics) {
        }

        default void epoch(EpochMetrics metrics) {
        }

        /** Something the user should know that changes how the run proceeds (not an error). */
        default void notice(String message) {
        }
    }

    private final Ops ops;
    private final GradientTape tape;
    /** The ViL's config, or null for a backbone plugin's model. */
    private final VilConfig config;
    /** What checkpoints record of a backbone plugin's model, or null for a ViL. */
    private final PluginModelSpec pluginModel;
    private final TrainingSettings settings;
    private final TrainedModel model;
    private final TrainedModel ema;
    private final Optimizer optimizer;
    /** Null for a backbone plugin's model (trained without drop-path). */
    private final DropPath dropPath;
    private int epochsDone;
    private long step;
    private boolean recomputeWhenMemoryRunsOut;
    /** Set once a recorded step has begun updating the weights: from there it cannot be taken again. */
    private boolean updating;
    /** Persistent gradient buffers, one per parameter, when activations are recomputed; else null. */
    private Map<Tensor, Tensor> gradientBuffers;
    /** A batch image array already on the device ({@link #trainOnResidentImages}), and that tensor; else null. */
    private float[] residentSource;
    private Tensor residentImages;
    /** Metadata entries every checkpoint carries beside the training state ({@link #setModelInfo}). */
    private Map<String, String> checkpointMetadata = Map.of();

    /**
     * Builds the model (and its EMA twin) with {@code initialWeights} on {@code ops}, and the optimiser state.
     */
    public Trainer(Ops ops, Plugins plugins, VilConfig config, TrainingSettings settings,
                   Map<String, HostTensor> initialWeights, String weightsSource) {
        this(ops, classifier(config), null, settings, on -> new VilTrainedModel(new VisionLstm(config, plugins, on,
                initialWeights, weightsSource)));
    }

    /**
     * Builds a backbone plugin's model {@code spec} (and its EMA twin) with {@code initialWeights} on {@code ops}:
     * its output must be logits {@code [batch, classes]}, and its {@link Backbone#buffers} stay as given.
     *
     * @throws IllegalArgumentException when the settings ask for drop-path (a ViL feature here)
     */
    public Trainer(Ops ops, Plugins plugins, Backbone backbone, ModelSpec spec, TrainingSettings settings,
                   Map<String, HostTensor> initialWeights, String weightsSource) {
        this(ops, null, PluginModelSpec.of(backbone, spec), withoutDropPath(backbone, settings),
                on -> new BackboneTrainedModel(backbone.create(spec, plugins, on, initialWeights, weightsSource),
                        backbone.buffers(spec), backbone.name()));
    }

    private Trainer(Ops ops, VilConfig config, PluginModelSpec pluginModel, TrainingSettings settings,
                    Function<Ops, TrainedModel> build) {
        this.ops = ops;
        this.tape = new GradientTape(ops);
        this.config = config;
        this.pluginModel = pluginModel;
        this.settings = settings;
        this.model = build.apply(tape);
        this.ema = settings.emaDecay() > 0 ? build.apply(ops) : null;
        this.optimizer = new Optimizer(ops, model.trained(), model.blocks(), settings.optimizer());
        this.dropPath = config == null ? null
                : new DropPath(config, settings.dropPath(), settings.dropPathDecay(), settings.seed());
    }

    private static VilConfig classifier(VilConfig config) {
        if (!config.isClassifier()) {
            throw new Vil4jException("training needs a classifier (numClasses > 0); the config is in feature mode");
        }
        return config;
    }

    private static TrainingSettings withoutDropPath(Backbone backbone, TrainingSettings settings) {
        if (settings.dropPath() != 0) {
            throw new IllegalArgumentException("drop-path " + settings.dropPath() + ": a backbone plugin's model "
                    + "('" + backbone.name() + "') trains without drop-path here (it scales a ViL's residuals)");
        }
        return settings;
    }

    /**
     * Trades compute for memory (gradient checkpointing): the forward keeps only each sub-block's input, and the
     * backward recomputes one sub-block at a time, so a step needs the activations of one sub-block instead of all
     * of them (about a third more compute). The gradients are the same. Call before the first step: it makes one
     * persistent gradient buffer per parameter.
     */
    public void setRecomputeActivations(boolean on) {
        if (!on) {
            gradientBuffers = null;
            return;
        }
        if (model.vil() == null) {
            throw new Vil4jException("recomputing activations goes sub-block by sub-block through a ViL; "
                    + model.description() + " is trained whole");
        }
        if (gradientBuffers == null) {
            Map<Tensor, Tensor> buffers = new java.util.IdentityHashMap<>();
            for (Tensor p : model.trained().values()) {
                buffers.put(p, ops.parameter(p.shape(), new float[p.shape().size()]));
            }
            gradientBuffers = buffers;
        }
    }

    /**
     * When on and a step's activations do not fit the backend ({@link DeviceMemoryExhaustedException} before the
     * update), that step is taken again recomputing activations, and so are all later ones: the same gradients, so
     * the run is the one it would have been with {@link #setRecomputeActivations} from the start.
     */
    public void setRecomputeWhenMemoryRunsOut(boolean on) {
        this.recomputeWhenMemoryRunsOut = on;
    }

    /**
     * Computes the mLSTM of the model (and of its EMA) in {@code form} (null: by sequence length) with chunks of
     * {@code chunkSize} tokens; the backward runs in the same form. A runtime choice: checkpoints do not record it.
     */
    public void setMlstmForm(org.vil4j.api.MlstmForm form, int chunkSize) {
        if (model.vil() == null) {
            throw new Vil4jException("the mLSTM form is a ViL's choice; " + model.description() + " has no mLSTM");
        }
        model.vil().setMlstmForm(form, chunkSize);
        if (ema != null) {
            ema.vil().setMlstmForm(form, chunkSize);
        }
    }

    public boolean recomputesActivations() {
        return gradientBuffers != null;
    }

    /** The ViL being trained. */
    public VisionLstm model() {
        if (model.vil() == null) {
            throw new IllegalStateException(model.description() + " is trained, not a ViL");
        }
        return model.vil();
    }

    /** How many weights the model has (buffers included). */
    public long parameterCount() {
        return model.parameters().values().stream().mapToLong(t -> t.shape().size()).sum();
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public long steps() {
        return step;
    }

    public int epochsDone() {
        return epochsDone;
    }

    /** Restores weights, optimiser state, EMA and position from a checkpoint of the same model. */
    public void resume(TrainingCheckpoint checkpoint, Path source) {
        if (pluginModel != null || checkpoint.plugin() != null) {
            if (pluginModel == null || !pluginModel.sameModel(checkpoint.plugin())) {
                throw new Vil4jException(source + ": the checkpoint's model differs from this run's: "
                        + recorded(checkpoint) + " vs " + (pluginModel != null ? pluginModel.json()
                        : ConfigJson.write(config)));
            }
        } else if (!checkpoint.config().equals(config)) {
            throw new Vil4jException(source + ": the checkpoint's model config differs from this run's: "
                    + ConfigJson.write(checkpoint.config()) + " vs " + ConfigJson.write(config));
        }
        if (checkpoint.seed() != settings.seed()) {
            throw new Vil4jException(source + ": the checkpoint was trained with seed " + checkpoint.seed()
                    + ", this run uses " + settings.seed());
        }
        assign(model, checkpoint.withPrefix("param."), checkpoint.shapes(), "param.", source);
        if (ema != null) {
            assign(ema, checkpoint.withPrefix("ema."), checkpoint.shapes(), "ema.", source);
        }
        optimizer.restore(checkpoint.tensors(), checkpoint.steps(), source.toString());
        this.epochsDone = checkpoint.epochsDone();
        this.step = checkpoint.steps();
    }

    /** What a checkpoint records of its model, for messages. */
    private static String recorded(TrainingCheckpoint checkpoint) {
        return checkpoint.plugin() != null ? checkpoint.plugin().json() : ConfigJson.write(checkpoint.config());
    }

    private void assign(TrainedModel target, Map<String, float[]> values, Map<String, Shape> shapes, String prefix,
                        Path source) {
        List<String> problems = new ArrayList<>();
        target.parameters().forEach((name, t) -> {
            float[] v = values.get(name);
            Shape saved = shapes.get(prefix + name);
            if (v == null || v.length != t.shape().size()) {
                problems.add(prefix + name + (v == null ? " missing" : " has " + v.length + " values for "
                        + t.shape()));
            } else if (saved != null && !saved.equals(t.shape())) {
                problems.add(prefix + name + " is " + saved + ", the model's is " + t.shape());
            }
        });
        if (!problems.isEmpty()) {
            throw new Vil4jException(source + ": checkpoint does not fit the model: " + String.join(", ", problems));
        }
        target.parameters().forEach((name, t) -> VisionLstm.requireFinite(values.get(name), name, source.toString()));
        target.parameters().forEach((name, t) -> ops.assign(t, values.get(name)));
    }

    /**
     * Runs the remaining epochs.
     *
     * @param checkpoint where each epoch's checkpoint goes (null: none)
     */
    public List<EpochMetrics> run(BatchSource train, BatchSource test, Path checkpoint, Listener listener) {
        return run(train, test, checkpoint, listener, settings.epochs());
    }

    /**
     * Runs the remaining epochs up to epoch {@code lastEpoch} (at most the settings' epochs) and returns; the
     * schedule still spans all epochs, so a later {@link #resume} continues exactly (an interrupted-on-purpose run).
     */
    public List<EpochMetrics> run(BatchSource train, BatchSource test, Path checkpoint, Listener listener,
                                  int lastEpoch) {
        if (lastEpoch < 1) {
            throw new IllegalArgumentException("lastEpoch must be positive, got " + lastEpoch);
        }
        long totalSteps = (long) settings.epochs() * train.batchesPerEpoch();
        LearningRateSchedule schedule = new LearningRateSchedule(settings.learningRate(), settings.minLearningRate(),
                Math.round(settings.warmupFraction() * totalSteps), totalSteps);
        List<EpochMetrics> history = new ArrayList<>();
        scaleResiduals(true);
        for (int epoch = epochsDone; epoch < Math.min(lastEpoch, settings.epochs()); epoch++) {
            long start = System.nanoTime();
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            double lr = 0;
            Iterator<Batch> batches = train.open(epoch, 0);
            try {
                while (batches.hasNext()) {
                    Batch batch = batches.next();
                    lr = schedule.at(step);
                    StepResult r = trainStep(batch, lr, epoch, listener);
                    lossSum += r.loss * batch.size();
                    correct += r.correct;
                    seen += batch.size();
                    step++;
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    StepMetrics m = new StepMetrics(epoch + 1, batch.index() + 1, train.batchesPerEpoch(), step,
                            r.loss, (double) r.correct / batch.size(), lr, seen / elapsed, r.gradNorm);
                    listener.step(m);
                }
            } finally {
                if (batches instanceof AutoCloseable c) {
                    closeQuietly(c);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long evalStart = System.nanoTime();
            double[] testResult = evaluate(test);
            double emaAccuracy = ema == null ? Double.NaN : evaluate(ema, test)[1];
            double evalSeconds = (System.nanoTime() - evalStart) / 1e9;
            epochsDone = epoch + 1;
            if (!Double.isFinite(testResult[0])) {
                throw notWritten("the test loss became " + testResult[0], "the weights overflow");
            }
            EpochMetrics metrics = new EpochMetrics(epoch + 1, step, lossSum / Math.max(1, seen),
                    (double) correct / Math.max(1, seen), testResult[0], testResult[1], emaAccuracy, lr, seconds,
                    seen / seconds, evalSeconds);
            history.add(metrics);
            if (checkpoint != null) {
                writeCheckpoint(checkpoint);
            }
            listener.epoch(metrics);
        }
        scaleResiduals(false);
        return history;
    }

    /** Drop-path on the live ViL while it trains, off while it is evaluated (a backbone plugin's: none). */
    private void scaleResiduals(boolean training) {
        if (model.vil() != null) {
            model.vil().setResidualScaling(training ? dropPath : null);
        }
    }

    /**
     * One training step on {@code batch} at {@code learningRate}, outside {@link #run}'s schedule (drop-path and
     * the step count advance as in a run); returns the batch's loss before the update.
     */
    public double step(Batch batch, double learningRate) {
        scaleResiduals(true);
        try {
            StepResult r = trainStep(batch, learningRate, epochsDone, new Listener() { });
            step++;
            return r.loss;
        } finally {
            scaleResiduals(false);
        }
    }

    /**
     * For a benchmark's timer, which trains on one batch over and over as PyTorch's does on a batch made on the GPU:
     * batches whose image array is {@code source} (the same array) train on {@code images}, a persistent tensor the
     * caller uploaded once (made with {@code ops.parameter} before the first step), instead of being uploaded again.
     */
    public void trainOnResidentImages(float[] source, Tensor images) {
        this.residentSource = source;
        this.residentImages = images;
    }

    /** The batch's images on the device: uploaded through {@code via}, or the resident tensor for its array. */
    private Tensor images(Batch batch, Ops via) {
        if (residentSource != null && batch.images() == residentSource) {
            return residentImages;
        }
        return via.upload(Shape.of(batch.size(), batch.channels(), batch.height(), batch.width()), batch.images());
    }

    private record StepResult(double loss, int correct, double gradNorm) {
    }

    private StepResult trainStep(Batch batch, double lr, int epoch, Listener listener) {
        if (dropPath != null) {
            dropPath.setStep(step);
        }
        updating = false;
        if (gradientBuffers != null) {
            return trainStepRecomputing(batch, lr, epoch);
        }
        try {
            return trainStepRecorded(batch, lr, epoch);
        } catch (DeviceMemoryExhaustedException e) {
            if (!recomputeWhenMemoryRunsOut || updating || model.vil() == null) {
                throw e;
            }
            // nothing of this step reached the weights, and drop-path depends on the step only: taking it again
            // with recomputed activations gives the step an uninterrupted recomputing run would have taken
            setRecomputeActivations(true);
            listener.notice(String.format(java.util.Locale.ROOT, "step %d: a batch of %d needs more than the "
                    + "backend holds (%,d bytes > %,d); recomputing activations per sub-block from now on (same "
                    + "gradients, about a third more compute)", step + 1, batch.size(), e.requestedBytes(),
                    e.limitBytes()));
            return trainStepRecomputing(batch, lr, epoch);
        }
    }

    private StepResult trainStepRecorded(Batch batch, double lr, int epoch) {
        tape.begin();
        try {
            Tensor x = images(batch, tape);
            Tensor logits = model.logits(x);
            CrossEntropy.Result ce = CrossEntropy.of(tape.download(logits), batch.labels(), logits.shape().last(),
                    settings.labelSmoothing());
            if (!Double.isFinite(ce.loss())) {
                throw diverged(ce.loss(), lr, epoch, batch);
            }
            Map<Tensor, Tensor> grads = tape.backward(logits, tape.upload(logits.shape(), ce.gradient()));
            updating = true;
            double norm = optimizer.step(grads, lr);
            updateEma();
            return new StepResult(ce.loss(), ce.correct(), norm);
        } finally {
            tape.end();
        }
    }

    /**
     * One step with recomputed activations. The forward runs unrecorded and keeps the embedding and every sub-block's
     * output; then segments are recorded backwards (head, each sub-block, embedding), each from its kept input with
     * the gradient handed back by the segment after it. Parameter gradients go to the persistent buffers before a
     * segment's memory is freed.
     */
    private StepResult trainStepRecomputing(Batch batch, double lr, int epoch) {
        VisionLstm model = this.model.vil();
        long start = ops.mark();
        try {
            Shape imageShape = Shape.of(batch.size(), batch.channels(), batch.height(), batch.width());
            Tensor images = images(batch, ops);
            List<Tensor> inputs = new ArrayList<>();
            long mark = ops.mark();
            Tensor x = ops.keep(mark, model.embed(images));
            inputs.add(x);
            for (int i = 0; i < config.subBlockCount(); i++) {
                mark = ops.mark();
                x = ops.keep(mark, model.subBlock(x, i, imageShape));
                inputs.add(x);
            }
            java.util.Set<Tensor> written = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            // the head: loss and d loss / d tokens
            tape.begin();
            Tensor last = inputs.get(inputs.size() - 1);
            tape.watch(last);
            Tensor logits = model.head(last, imageShape);
            CrossEntropy.Result ce = CrossEntropy.of(tape.download(logits), batch.labels(), logits.shape().last(),
                    settings.labelSmoothing());
            if (!Double.isFinite(ce.loss())) {
                tape.end();
                throw diverged(ce.loss(), lr, epoch, batch);
            }
            Map<Tensor, Tensor> grads = tape.backward(logits, tape.upload(logits.shape(), ce.gradient()));
            Tensor dx = tape.end(saveParameterGradients(grads, written, last));
            for (int i = config.subBlockCount() - 1; i >= 0; i--) {
                Tensor in = inputs.get(i);
                tape.begin();
                tape.watch(in);
                Tensor y = model.subBlock(in, i, imageShape);
                grads = tape.backward(y, dx);
                dx = tape.end(saveParameterGradients(grads, written, in));
            }
            tape.begin();
            Tensor tokens = model.embed(images);
            saveParameterGradients(tape.backward(tokens, dx), written, null);
            tape.end();
            Map<Tensor, Tensor> parameterGrads = new java.util.IdentityHashMap<>();
            for (Tensor p : written) {
                parameterGrads.put(p, gradientBuffers.get(p));
            }
            double norm = optimizer.step(parameterGrads, lr);
            updateEma();
            return new StepResult(ce.loss(), ce.correct(), norm);
        } finally {
            ops.release(start);
        }
    }

    /** Copies a segment's parameter gradients to their buffers; returns the gradient of {@code input}. */
    private Tensor saveParameterGradients(Map<Tensor, Tensor> grads, java.util.Set<Tensor> written, Tensor input) {
        List<Tensor> targets = new ArrayList<>();
        List<Tensor> sources = new ArrayList<>();
        for (var e : grads.entrySet()) {
            Tensor buffer = gradientBuffers.get(e.getKey());
            if (buffer == null) {
                continue;
            }
            if (!written.add(e.getKey())) {
                throw new IllegalStateException("a parameter " + e.getKey().shape() + " is used by two recomputed "
                        + "segments; recomputing activations supports parameters used in one place only");
            }
            targets.add(buffer);
            sources.add(e.getValue());
        }
        // one batched copy: on OpenCL seven gradients a launch instead of one (a ViL-T step made 513 copies)
        ops.copyAllInto(targets, sources);
        if (input == null) {
            return null;
        }
        Tensor dx = grads.get(input);
        if (dx == null) {
            throw new IllegalStateException("no gradient reached a recomputed segment's input " + input.shape());
        }
        return dx;
    }

    private void updateEma() {
        if (ema != null) {
            Map<String, Tensor> live = model.trained();
            ema.trained().forEach((name, t) -> ops.movingAverage(t, live.get(name), (float) settings.emaDecay()));
        }
    }

    private TrainingDivergedException diverged(double loss, double lr, int epoch, Batch batch) {
        return new TrainingDivergedException("the loss became " + loss + " at step " + (step + 1)
                + " (epoch " + (epoch + 1) + ", batch " + (batch.index() + 1) + ", learning rate " + lr
                + "); stopped before updating, " + (epochsDone == 0 ? "no epoch had finished (no checkpoint)"
                : "the checkpoint of epoch " + epochsDone + " is kept"));
    }

    /** Mean loss and top-1 accuracy of the model being trained over one pass of {@code source}. */
    public double[] evaluate(BatchSource source) {
        scaleResiduals(false);
        try {
            return evaluate(model, source);
        } finally {
            scaleResiduals(true);
        }
    }

    /** Mean loss and top-1 accuracy of {@code target} (without drop-path) over one pass of {@code source}. */
    private double[] evaluate(TrainedModel target, BatchSource source) {
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        Iterator<Batch> batches = source.open(0, 0);
        try {
            while (batches.hasNext()) {
                Batch batch = batches.next();
                long mark = ops.mark();
                try {
                    Tensor x = ops.upload(Shape.of(batch.size(), batch.channels(), batch.height(), batch.width()),
                            batch.images());
                    Tensor logits = target.logits(x);
                    CrossEntropy.Result ce = CrossEntropy.of(ops.download(logits), batch.labels(),
                            logits.shape().last(), 0);
                    lossSum += ce.loss() * batch.size();
                    correct += ce.correct();
                    seen += batch.size();
                } finally {
                    ops.release(mark);
                }
            }
        } finally {
            if (batches instanceof AutoCloseable c) {
                closeQuietly(c);
            }
        }
        return new double[]{lossSum / Math.max(1, seen), (double) correct / Math.max(1, seen)};
    }

    /**
     * What checkpoints record about the model besides its config (preprocessing, class names, provenance), so a
     * checkpoint can be used for prediction on its own.
     */
    public void setModelInfo(ModelInfo info) {
        this.checkpointMetadata = ModelFile.metadata(info);
    }

    /** Weights, optimiser state, EMA and position, written atomically. */
    public void writeCheckpoint(Path file) {
        Map<String, float[]> values = new LinkedHashMap<>();
        model.parameters().forEach((name, t) -> values.put("param." + name, ops.download(t)));
        values.putAll(optimizer.state());
        if (ema != null) {
            ema.parameters().forEach((name, t) -> values.put("ema." + name, ops.download(t)));
        }
        requireFinite(values);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (java.io.IOException e) {
            throw new Vil4jException("cannot create the checkpoint directory for " + file + ": " + e.getMessage());
        }
        // keys in a fixed order: identical runs give byte-identical checkpoints
        Map<String, Object> recorded = new LinkedHashMap<>();
        recorded.put("epochs", settings.epochs());
        recorded.put("batch_size", settings.batchSize());
        recorded.put("lr", settings.learningRate());
        recorded.put("optimizer", settings.optimizer().kind());
        String json = Json.write(recorded);
        if (recipeJson != null) {
            json = json.substring(0, json.length() - 1) + ",\"recipe\":" + recipeJson + "}";
        }
        if (pluginModel != null) {
            TrainingCheckpoint.write(file, pluginModel, model.parameters(), values, epochsDone, step, settings.seed(),
                    json, checkpointMetadata);
        } else {
            TrainingCheckpoint.write(file, config, model.parameters(), values, epochsDone, step, settings.seed(),
                    json, checkpointMetadata);
        }
    }

    private String recipeJson;

    /**
     * A JSON object recorded in every checkpoint's settings under {@code "recipe"}: what decides the trajectory, so
     * that a resumed run can be checked against it.
     */
    public void setRecipeJson(String json) {
        this.recipeJson = json;
    }

    /**
     * Non-finite weights or optimiser state never reach a checkpoint: the loss check before each update cannot see
     * what the last update of an epoch did.
     */
    private void requireFinite(Map<String, float[]> values) {
        for (var e : values.entrySet()) {
            float[] v = e.getValue();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw notWritten(e.getKey() + " holds " + v[i] + " at element " + i, null);
                }
            }
        }
    }

    private TrainingDivergedException notWritten(String what, String why) {
        int done = epochsDone - 1;
        return new TrainingDivergedException("training diverged: after step " + step + " (epoch " + epochsDone
                + ", learning rate " + settings.learningRate() + " peak, " + settings.minLearningRate() + " final) "
                + what + (why == null ? "" : " (" + why + ")") + "; the checkpoint of epoch " + epochsDone
                + " was not written, " + (done <= 0 ? "no checkpoint exists" : "the checkpoint of epoch " + done
                + " is kept") + " (lower --lr or --min-lr)");
    }

    /** The current weights, by state_dict name. */
    public Map<String, float[]> weights() {
        Map<String, float[]> values = new LinkedHashMap<>();
        model.parameters().forEach((name, t) -> values.put(name, ops.download(t)));
        return values;
    }

    /** The EMA weights by state_dict name, or null when the run keeps no EMA. */
    public Map<String, float[]> emaWeights() {
        if (ema == null) {
            return null;
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        ema.parameters().forEach((name, t) -> values.put(name, ops.download(t)));
        return values;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new Vil4jException("closing the batch loader failed: " + e.getMessage());
        }
    }
}
