package org.vil4j.cli;

import org.vil4j.training.LoaderBatchSource;
import jakarta.inject.Inject;
import org.vil4j.api.HostTensor;
import org.vil4j.api.ModelSpec;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.JsonText;
import org.vil4j.training.OptimizerSettings;
import org.vil4j.training.Trainer;
import org.vil4j.training.TrainingCheckpoint;
import org.vil4j.training.TrainingDivergedException;
import org.vil4j.training.TrainingSettings;
import org.vil4j.training.WeightDecayExclusion;
import org.vil4j.segmentation.data.FmnistPlaced;
import org.vil4j.training.data.Augmentation;
import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.ImageDecoding;
import org.vil4j.training.data.Normalisation;
import org.vil4j.training.model.ModelInfo;
import org.vil4j.training.model.Preprocessing;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code vil train}: trains a ViL classifier from scratch, with per-epoch validation, metrics as JSON lines, atomic
 * checkpoints every epoch, exact resume and a plot of the curves at the end. Without arguments it trains the
 * {@code fmnist-tiny} preset on Fashion-MNIST on the best device found.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a Vision-LSTM classifier from scratch: per-epoch validation, metrics.jsonl, "
                + "checkpoint.safetensors (atomic, every epoch), config.json and curves.png in --out.",
                "Without arguments: the fmnist-tiny preset on Fashion-MNIST on the best device found.",
                "Presets: fmnist-tiny (default), fmnist-anchor, fmnist-93, or any official model name (vil2-tiny, "
                        + "...) adapted to the dataset's input and classes. Options left out take the preset's "
                        + "values."})
final class TrainCommand implements Callable<Integer> {
    static final String CHECKPOINT = "checkpoint.safetensors";
    static final String MODEL = "model.safetensors";
    static final String MODEL_EMA = "model-ema.safetensors";
    static final String METRICS = "metrics.jsonl";
    static final String CONFIG = "config.json";
    static final String CURVES = "curves.png";
    static final Path RUNS = Path.of("runs");
    private static final String RESUME_DEFAULT = "<OUT>/" + CHECKPOINT;

    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "fashion-mnist, cifar10, cifar100, imagefolder, or fmnist-placed (one Fashion-MNIST item at a "
                    + "random scale and place on fmnist-scenes' canvas: --canvas, --item-scale, --placed-copies; a "
                    + "backbone for segmentation) (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "the dataset's folder. Fashion-MNIST: default "
            + "$VIL_DATA, then /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist). "
            + "imagefolder: DIR/train/CLASS/IMAGE and DIR/val (or DIR/test)/CLASS/IMAGE, at the model's input size")
    String data;

    @Option(names = "--model", defaultValue = "fmnist-tiny", paramLabel = "NAME",
            description = "training preset or official model (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--dim", description = "token width (default: the preset's)")
    Integer dim;

    @Option(names = "--depth", description = "blocks (block pairs for ViL v2) (default: the preset's)")
    Integer depth;

    @Option(names = "--patch", description = "patch size (and stride) (default: the preset's)")
    Integer patch;

    @Option(names = "--pooling", description = "bilateral_flatten, bilateral_avg, ... (default: the preset's)")
    String pooling;

    @Option(names = "--mixer", description = "sequence mixer plugin of every block: mlstm, attention, ... "
            + "(default: the preset's)")
    String mixer;

    @Option(names = "--traversal-schedule", defaultValue = "alternate", paramLabel = "SPEC",
            description = "alternate, four_way, or a comma list of traversal names (default: ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--epochs", description = "passes over the training set (default: the preset's)")
    Integer epochs;

    @Option(names = "--batch-size", description = "samples per step (default: the preset's)")
    Integer batchSize;

    @Option(names = "--lr", description = "peak learning rate (default: the preset's)")
    Double lr;

    @Option(names = "--min-lr", description = "learning rate at the end of the cosine (default: the preset's)")
    Double minLr;

    @Option(names = "--warmup", paramLabel = "FRACTION", description = "fraction of all steps spent in linear "
            + "warm-up (default: the preset's)")
    Double warmup;

    @Option(names = "--weight-decay", description = "(default: the preset's)")
    Double weightDecay;

    @Option(names = "--no-decay", defaultValue = "usual", description = "parameters without weight decay: usual "
            + "(pos_embed, biases, norms), reference (pos_embed) or none (default: ${DEFAULT-VALUE})")
    String noDecay;

    @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw or sgd (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--nesterov", description = "SGD with Nesterov momentum")
    boolean nesterov;

    @Option(names = "--clip-grad-norm", defaultValue = "0", description = "largest global gradient norm, 0: no "
            + "clipping (default: ${DEFAULT-VALUE})")
    double clipGradNorm;

    @Option(names = "--layer-decay", defaultValue = "1", description = "layer-wise learning-rate decay in (0, 1], "
            + "1: none (default: ${DEFAULT-VALUE})")
    double layerDecay;

    @Option(names = "--label-smoothing", description = "(default: the preset's)")
    Double labelSmoothing;

    @Option(names = "--drop-path", description = "stochastic-depth rate (default: the preset's)")
    Double dropPath;

    @Option(names = "--drop-path-decay", description = "drop-path rate rising linearly over the blocks")
    boolean dropPathDecay;

    @Option(names = "--ema", paramLabel = "DECAY", description = "EMA of the weights, evaluated beside them; 0: off "
            + "(default: the preset's)")
    Double ema;

    @Option(names = "--crop-padding", description = "random-crop padding, 0: no crop (default: the preset's)")
    Integer cropPadding;

    @Option(names = "--no-flip", description = "no random horizontal flip")
    boolean noFlip;

    @Option(names = "--seed", defaultValue = "0", description = "seeds the weights, data order, augmentation and "
            + "drop-path (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--loader-threads", defaultValue = "2", description = "threads preparing batches (default: "
            + "${DEFAULT-VALUE})")
    int loaderThreads;

    @Option(names = "--eval-batch-size", description = "batch size for validation (default: --batch-size)")
    Integer evalBatchSize;

    @Option(names = "--log-every", defaultValue = "50", paramLabel = "STEPS", description = "a step line in "
            + "metrics.jsonl every this many steps, 0: none (default: ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--max-train-samples", paramLabel = "N", description = "train on the first N training samples "
            + "only (smoke tests)")
    Integer maxTrainSamples;

    @Option(names = "--weights", paramLabel = "FILE", description = "start from these weights (fine-tuning): a "
            + "published .th, our .safetensors or a training checkpoint; the position embedding is resized to this "
            + "input and the classifier re-initialised when the class count differs")
    Path initialWeights;

    @Option(names = "--recompute-activations", arity = "0..1", paramLabel = "WHEN", defaultValue = "auto",
            fallbackValue = "always", description = "keep only each sub-block's input and recompute its activations "
            + "in the backward: about a twelfth of the memory for a third more compute, same result. always (the "
            + "option alone), never, or auto: only once a step's activations do not fit the device (default: auto)")
    String recomputeActivations;

    @Option(names = "--max-image-pixels", paramLabel = "N", description = "imagefolder: largest image (width x "
            + "height) to decode; larger ones are an error (default: 100000000)")
    long maxImagePixels = ImageDecoding.DEFAULT_MAX_PIXELS;

    @Option(names = "--max-test-samples", paramLabel = "N", description = "validate on the first N test samples "
            + "only (smoke tests)")
    Integer maxTestSamples;



    @Option(names = "--out", paramLabel = "DIR", description = "where the run's files go (default: "
            + "runs/train-YYYYMMDD-HHMMSS; with --resume, the latest runs/train-* holding a checkpoint)")
    Path out;

    @Option(names = "--resume", arity = "0..1", fallbackValue = RESUME_DEFAULT, paramLabel = "CHECKPOINT",
            description = "continue a run (classification or segmentation) exactly from its checkpoint, a file or a "
                    + "run folder (default: " + RESUME_DEFAULT + ", else the latest run's); pass the options of the "
                    + "original run")
    String resume;

    @Option(names = "--stop-after", paramLabel = "EPOCHS", description = "end this invocation after that many "
            + "epochs (the schedule still spans --epochs); continue later with --resume")
    Integer stopAfter;


    @Option(names = "--task", defaultValue = "classification", description = "classification or segmentation "
            + "(a ViL + decoder on fmnist-scenes or an ADE20K folder; see the README's Segmentation) (default: "
            + "${DEFAULT-VALUE})")
    String task;

    @Mixin
    SegmentationOptions segmentationOptions = new SegmentationOptions();

    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Mixin
    MlstmFormOptions forms = new MlstmFormOptions();

    private final Plugins plugins;

    @Inject
    TrainCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    /** The datasets of a run and how their images are normalised. */
    record Data(String name, Dataset train, Dataset test, Normalisation normalisation) {
    }

    /** Everything resolved from the options before training starts. */
    record Plan(TrainedModelChoice model, TrainingSettings settings, int cropPadding, boolean flip, Data data) {
        /** The ViL's config, or null for a backbone plugin's model. */
        VilConfig config() {
            return model instanceof TrainedModelChoice.Vil vil ? vil.config() : null;
        }
    }

    /**
     * What an invocation that trained reports: the model's weight count and where it ran; the epochs are in {@code
     * metrics.jsonl}.
     */
    record Outcome(Path out, long parameters, String device, String backend) {
    }

    @Spec
    CommandSpec commandSpec;

    private RunLock lock;
    private boolean createdOut;

    @Override
    public Integer call() {
        if (task.equals("segmentation")) {
            return new SegmentationTraining(this, segmentationOptions, plugins).run();
        }
        if (!task.equals("classification")) {
            throw new Vil4jException("--task must be classification or segmentation, got '" + task + "'");
        }
        train();
        return 0;
    }

    /** Trains as {@link #call} does (classification), returning what {@code vil compare} records of the run. */
    Outcome train() {
        boolean finished = false;
        try {
            Outcome outcome = trainClassifier();
            finished = true;
            return outcome;
        } finally {
            if (lock != null) {
                lock.close();
            }
            if (!finished && createdOut) {
                removeIfNothingWritten(out);
            }
        }
    }

    /** A run that failed before writing anything but its setup leaves no folder behind (only one it created). */
    private static void removeIfNothingWritten(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            List<Path> files = entries.toList();
            for (Path f : files) {
                String name = f.getFileName().toString();
                boolean setup = name.equals(CONFIG) || name.equals(RunLock.FILE)
                        || name.equals(METRICS) && Files.size(f) == 0;
                if (!setup || !Files.isRegularFile(f)) {
                    return;
                }
            }
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // the run's own error is the one to report
        }
    }

    private Outcome trainClassifier() {
        System.setProperty("java.awt.headless", "true");
        long wallStart = System.nanoTime();
        RecomputeActivations recompute = RecomputeActivations.parse(recomputeActivations);
        forms.form(); // a bad --mlstm-form or --chunk fails before anything is read or written
        Plan plan = plan();
        Path checkpointIn = resolveOut();
        Path checkpoint = out.resolve(CHECKPOINT);
        TrainingCheckpoint resumed = null;
        if (checkpointIn != null) {
            if (!Files.isRegularFile(checkpointIn)) {
                throw new Vil4jException("--resume: " + checkpointIn + " does not exist");
            }
            resumed = TrainingCheckpoint.read(checkpointIn);
            ClassificationRecipe.checkConfigMatches(out, plan);
            ClassificationRecipe.checkCheckpointMatches(plan, resumed, checkpointIn);
        } else if (Files.exists(checkpoint)) {
            throw new Vil4jException(out + " already holds a run (" + CHECKPOINT + "): pass --resume to continue it "
                    + "or another --out for a new run");
        }
        PrintStream log = System.out;
        boolean vil = plan.config() != null;
        Outcome outcome;
        try (Ops ops = deviceOptions.open(plugins)) {
            Map<String, HostTensor> init = plan.model().initialize(plugins, seed);
            if (initialWeights != null && resumed == null) {
                init = FineTuneWeights.start(initialWeights, plan.config(), init, log);
            }
            Trainer trainer = plan.model().trainer(ops, plugins, plan.settings(), init);
            long parameters = trainer.parameterCount();
            trainer.setRecipeJson(ClassificationRecipe.json(plan));
            trainer.setModelInfo(modelInfo(plan));
            if (vil) {
                trainer.setRecomputeActivations(recompute == RecomputeActivations.ALWAYS);
                trainer.setRecomputeWhenMemoryRunsOut(recompute == RecomputeActivations.AUTO);
            }
            if (forms.chosen()) {
                forms.formFor(ops, 0); // the backend must have a chosen form
                trainer.setMlstmForm(forms.form(), forms.chunk);
            }
            if (resumed != null) {
                trainer.resume(resumed, checkpointIn);
            }
            // the model is built (its plugins exist): only now does the run get its folder
            try {
                createdOut = !Files.exists(out);
                Files.createDirectories(out);
            } catch (IOException e) {
                throw new Vil4jException("cannot create " + out + ": " + e.getMessage(), e);
            }
            lock = RunLock.acquire(out);
            if (resumed == null && Files.exists(checkpoint)) {
                throw new Vil4jException(out + " already holds a run (" + CHECKPOINT + ")");
            }
            if (resumed == null) {
                AtomicFiles.writeString(out.resolve(CONFIG), configJson(plan));
            }
            LoaderBatchSource train = LoaderBatchSource.training(plan.data().train(), plan.settings().batchSize(),
                    new Augmentation(plan.cropPadding(), plan.flip(), plan.data().normalisation()), seed,
                    loaderThreads);
            LoaderBatchSource test = LoaderBatchSource.evaluation(plan.data().test(),
                    plan.settings().evalBatchSize(), Augmentation.none(plan.data().normalisation()), loaderThreads);
            if (train.batchesPerEpoch() == 0) {
                throw new Vil4jException(plan.data().train().name() + " has " + plan.data().train().size()
                        + " samples, fewer than one batch of " + plan.settings().batchSize());
            }
            log.printf(Locale.ROOT, "training %s: %s, %,d parameters%n", plan.model().name(), plan.model().summary(),
                    parameters);
            log.printf(Locale.ROOT, "data: %s, %d training / %d test images; %d epochs of %d steps of %d%n",
                    plan.data().name(), plan.data().train().size(), plan.data().test().size(),
                    plan.settings().epochs(), train.batchesPerEpoch(), plan.settings().batchSize());
            log.printf(Locale.ROOT, "device: %s (%s); output: %s%s%n", ops.deviceName(), ops.backendName(), out,
                    resumed == null ? "" : "; resuming after epoch " + trainer.epochsDone() + " from "
                            + checkpointIn);
            Path metricsFile = out.resolve(METRICS);
            prepareMetrics(metricsFile, resumed == null ? 0 : trainer.epochsDone(), resumed != null);
            try (BufferedWriter metrics = Files.newBufferedWriter(metricsFile, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                TrainingProgress progress = new TrainingProgress(Terminal.stderrIsTerminal(), System.err, log,
                        metrics, plan.settings().epochs(), train.batchesPerEpoch(), plan.settings().batchSize(),
                        logEvery);
                try {
                    int lastEpoch = stopAfter == null ? plan.settings().epochs()
                            : Math.min(plan.settings().epochs(), trainer.epochsDone() + stopAfter);
                    trainer.run(train, test, checkpoint, progress, lastEpoch);
                    if (trainer.epochsDone() < plan.settings().epochs()) {
                        log.printf(Locale.ROOT, "stopped after epoch %d of %d as --stop-after asked; continue with: "
                                + "vil train --resume --out %s (and the same options)%n", trainer.epochsDone(),
                                plan.settings().epochs(), out);
                    }
                } catch (TrainingDivergedException e) {
                    progress.abandonLine();
                    throw e;
                }
            } catch (IOException e) {
                throw new Vil4jException("cannot write " + metricsFile + ": " + e.getMessage(), e);
            }
            List<CurvesPlot.Point> history = RunMetrics.epochs(metricsFile);
            if (trainer.epochsDone() > 0) {
                writeModelFiles(plan, trainer, history);
            }
            if (!history.isEmpty()) {
                RunMetrics.drawCurves(out.resolve(CURVES), history, plan.model().name() + " on " + plan.data().name());
            }
            RunMetrics.printTable(log, history);
            if (trainer.epochsDone() >= plan.settings().epochs() && !history.isEmpty()) {
                double minutes = RunMetrics.seconds(metricsFile) / 60;
                log.printf(Locale.ROOT, "test accuracy: %.2f%% (device %s (%s), %.1f min)%n",
                        100 * history.get(history.size() - 1).testAccuracy(), ops.deviceName(), ops.backendName(),
                        minutes);
            }
            outcome = new Outcome(out, parameters, ops.deviceName(), ops.backendName());
        }
        if (deviceOptions.verbose) {
            log.printf(Locale.ROOT, "wall time of this invocation: %.1f s%n", (System.nanoTime() - wallStart) / 1e9);
        }
        return outcome;
    }

    /**
     * {@code model.safetensors} (and {@code model-ema.safetensors} with EMA): the weights as they are now, with the
     * model (a ViL's config and plugin names, or a backbone plugin's name and spec), preprocessing (the training
     * normalisation), class names and provenance, so predict and eval need nothing else.
     */
    private void writeModelFiles(Plan plan, Trainer trainer, List<CurvesPlot.Point> history) {
        ModelInfo base = modelInfo(plan);
        Map<String, Object> provenance = new LinkedHashMap<>(base.provenance());
        provenance.put("epoch", trainer.epochsDone());
        provenance.put("test_accuracy", history.isEmpty() ? Double.NaN
                : history.get(history.size() - 1).testAccuracy());
        plan.model().writeModelFile(out.resolve(MODEL), plugins, trainer.weights(), new ModelInfo(
                base.preprocessing(), base.classNames(), provenance));
        Map<String, float[]> ema = trainer.emaWeights();
        if (ema != null) {
            provenance.remove("test_accuracy"); // the EMA's is in metrics.jsonl (ema_test_accuracy)
            provenance.put("weights", "ema");
            plan.model().writeModelFile(out.resolve(MODEL_EMA), plugins, ema, new ModelInfo(base.preprocessing(),
                    base.classNames(), provenance));
        }
    }

    /** Preprocessing (the training normalisation), class names and where the model comes from. */
    private ModelInfo modelInfo(Plan plan) {
        Dataset train = plan.data().train();
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("created_by", "vil train");
        provenance.put("model", plan.model().name());
        provenance.put("dataset", plan.data().name());
        provenance.put("recipe", ClassificationRecipe.map(plan));
        return new ModelInfo(Preprocessing.training(plan.data().normalisation(), train.height(), train.width()),
                train.classNames(), provenance);
    }

    /** Options -> model config, settings and data; bad values give one-line errors. */
    Plan plan() {
        BackbonePresets.Found plugin = TrainingPresets.isVil(model) ? null
                : BackbonePresets.find(plugins, model).orElse(null);
        TrainingPresets.Recipe r = plugin != null ? TrainingPresets.GENERIC : vilPreset().recipe();
        try {
            Data d;
            TrainedModelChoice choice;
            if (plugin != null) {
                VilOnlyTrainOptions.refuse(this, commandSpec.commandLine().getParseResult(), plugin);
                int[] in = plugin.input();
                d = openData(in[0], in[1], in[2]);
                choice = pluginModel(plugin, d);
            } else {
                VilConfig base = vilPreset().model();
                d = openData(base.channels(), base.height(), base.width());
                choice = new TrainedModelChoice.Vil(model, vilModel(base, d));
            }
            OptimizerSettings optimiser = new OptimizerSettings(optimizer, or(weightDecay, r.weightDecay()),
                    WeightDecayExclusion.parse(noDecay), 0.9, 0.999, 1e-8, momentum, nesterov, clipGradNorm,
                    layerDecay);
            int batch = or(batchSize, r.batchSize());
            if (loaderThreads < 1) {
                throw new IllegalArgumentException("--loader-threads must be at least 1");
            }
            if (logEvery < 0 || (stopAfter != null && stopAfter < 1)) {
                throw new IllegalArgumentException("--log-every must be >= 0 and --stop-after >= 1");
            }
            int padding = or(cropPadding, r.cropPadding());
            if (padding < 0) {
                throw new IllegalArgumentException("--crop-padding must be >= 0, got " + padding);
            }
            TrainingSettings settings = new TrainingSettings(or(epochs, r.epochs()), batch, or(lr, r.learningRate()),
                    or(minLr, r.minLearningRate()), or(warmup, r.warmup()), or(labelSmoothing, r.labelSmoothing()),
                    optimiser, or(dropPath, r.dropPath()), dropPathDecay, or(ema, r.emaDecay()), seed, loaderThreads,
                    or(evalBatchSize, batch), logEvery);
            if (settings.dropPath() < 0 || settings.dropPath() >= 1) {
                throw new IllegalArgumentException("--drop-path must be in [0, 1)");
            }
            return new Plan(choice, settings, padding, r.flip() && !noFlip, d);
        } catch (IllegalArgumentException e) {
            throw new Vil4jException("invalid training option: " + e.getMessage());
        }
    }

    /** The ViL preset named by --model; an unknown name lists every model that trains, the plugins' too. */
    private TrainingPresets.Preset vilPreset() {
        try {
            return TrainingPresets.get(model);
        } catch (Vil4jException e) {
            List<String> pluginPresets = new ArrayList<>();
            plugins.backbones().values().forEach(b -> pluginPresets.addAll(b.presets().keySet()));
            throw new Vil4jException(e.getMessage() + "; the backbone plugins' presets are "
                    + String.join(", ", pluginPresets));
        }
    }

    /** A ViL preset at the data's input and classes, with the model options applied. */
    private VilConfig vilModel(VilConfig base, Data d) {
        int p = patch != null ? patch : base.patchSize();
        int stride = patch != null ? patch : base.stride();
        int dm = dim != null ? dim : base.dim();
        int dp = depth != null ? depth : base.depth();
        int subBlocks = base.version() == VilVersion.V2 ? 2 * dp : dp;
        VilConfig config;
        try {
            config = new VilConfig(base.version(), dm, dp, p, stride, d.train().channels(), d.train().height(),
                    d.train().width(), d.train().classes(), pooling != null ? pooling : base.pooling(),
                    base.legacyNorm(), base.convKind(), base.convKernelSize(), base.projBias(), base.normBias(),
                    VilConfig.alternating(subBlocks), mixer != null ? mixer : base.mixer());
        } catch (Vil4jException e) {
            throw new Vil4jException(e.getMessage() + "; model " + model + " adapted to " + d.name() + " ("
                    + d.train().channels() + "x" + d.train().height() + "x" + d.train().width()
                    + "): choose another --patch or --model");
        }
        config = config.withSchedule(schedule);
        plugins.mixer(config.mixer()); // an unknown name fails here, listing the known ones, before any file
        plugins.head(config.pooling());
        return config;
    }

    /**
     * A backbone plugin's preset at the data's input and classes, with the model options as the reference's
     * arguments ({@code dim}, {@code depth}, {@code patch_size}, {@code pooling}, {@code mixer}); the backbone
     * checks the result.
     */
    private TrainedModelChoice pluginModel(BackbonePresets.Found found, Data d) {
        ModelSpec spec = found.spec().with("input_shape", List.of(d.train().channels(), d.train().height(),
                d.train().width())).with("num_outputs", d.train().classes());
        Map<String, Object> overrides = new LinkedHashMap<>();
        overrides.put("dim", dim);
        overrides.put("depth", depth);
        overrides.put("patch_size", patch);
        overrides.put("pooling", pooling);
        overrides.put("mixer", mixer);
        for (var e : overrides.entrySet()) {
            if (e.getValue() != null) {
                spec = spec.with(e.getKey(), e.getValue());
            }
        }
        try {
            found.backbone().parameterShapes(spec, plugins);
        } catch (Vil4jException e) {
            throw new Vil4jException(e.getMessage() + "; model " + model + " adapted to " + d.name() + " ("
                    + d.train().channels() + "x" + d.train().height() + "x" + d.train().width() + ", "
                    + d.train().classes() + " classes)");
        }
        return new TrainedModelChoice.Plugin(model, found.backbone(), spec);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** The data; an image folder is read at {@code channels} x {@code height} x {@code width}. */
    private Data openData(int channels, int height, int width) {
        if (maxTrainSamples != null && maxTrainSamples < 1 || maxTestSamples != null && maxTestSamples < 1) {
            throw new IllegalArgumentException("--max-train-samples and --max-test-samples must be positive");
        }
        Data d = dataset.equals(FmnistPlaced.NAME) ? segmentationOptions.placed(data, seed)
                : Datasets.open(dataset, data, channels, height, width, maxImagePixels);
        Dataset trainSet = maxTrainSamples == null ? d.train()
                : LoaderBatchSource.firstSamples(d.train(), maxTrainSamples);
        Dataset testSet = maxTestSamples == null ? d.test() : LoaderBatchSource.firstSamples(d.test(), maxTestSamples);
        if (testSet.size() == 0) {
            throw new Vil4jException("the test split of " + d.name() + " is empty: nothing to validate on");
        }
        return new Data(d.name(), trainSet, testSet, d.normalisation());
    }

    /** Sets {@link #out}; returns the checkpoint to resume from, or null for a fresh run. */
    private Path resolveOut() {
        return resolveOut("train-");
    }

    /**
     * Sets {@link #out} for a run whose default folder is {@code runs/<prefix>TIMESTAMP}; returns the checkpoint to
     * resume from, or null for a fresh run. {@code --resume} names a checkpoint file or a run folder (its {@value
     * #CHECKPOINT}); alone, the checkpoint in {@code --out}, else in the latest {@code runs/<prefix>*} holding one.
     */
    Path resolveOut(String prefix) {
        if (resume == null) {
            if (out == null) {
                out = RUNS.resolve(prefix + LocalDateTime.now().format(DateTimeFormatter.ofPattern(
                        "yyyyMMdd-HHmmss")));
            }
            return null;
        }
        if (!resume.equals(RESUME_DEFAULT)) {
            Path file = Path.of(resume);
            if (Files.isDirectory(file)) {
                file = file.resolve(CHECKPOINT);
            }
            if (out == null) {
                out = file.toAbsolutePath().getParent();
            }
            return file;
        }
        if (out == null) {
            out = latestRun(prefix);
        }
        return out.resolve(CHECKPOINT);
    }

    private static Path latestRun(String prefix) {
        if (Files.isDirectory(RUNS)) {
            try (Stream<Path> runs = Files.list(RUNS)) {
                List<Path> found = runs.filter(p -> p.getFileName().toString().startsWith(prefix))
                        .filter(p -> Files.isRegularFile(p.resolve(CHECKPOINT))).sorted().toList();
                if (!found.isEmpty()) {
                    return found.get(found.size() - 1);
                }
            } catch (IOException e) {
                throw new Vil4jException("cannot list " + RUNS + ": " + e.getMessage(), e);
            }
        }
        throw new Vil4jException("--resume: no run to continue (no " + RUNS + "/" + prefix + "*/" + CHECKPOINT
                + "); pass --out DIR or --resume CHECKPOINT");
    }

    private String configJson(Plan plan) {
        TrainingSettings s = plan.settings();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("eval_batch_size", s.evalBatchSize());
        run.put("test_samples", plan.data().test().size());
        run.put("loader_threads", s.loaderThreads());
        run.put("log_every", s.logEverySteps());
        run.put("backend", deviceOptions.backend);
        run.put("device", deviceOptions.device);
        return "{\n  \"model\": " + plan.model().json() + ",\n  \"recipe\": " + ClassificationRecipe.json(plan)
                + ",\n  \"run\": " + json(run) + "\n}\n";
    }

    static String json(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return JsonText.quote(s);
        }
        if (value instanceof Double d) {
            return Double.isFinite(d) ? Double.toString(d) : "null";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof Map<?, ?> map) {
            List<String> parts = new ArrayList<>();
            map.forEach((k, v) -> parts.add(JsonText.quote(k.toString()) + ":" + json(v)));
            return "{" + String.join(",", parts) + "}";
        }
        throw new IllegalArgumentException("no JSON for " + value.getClass());
    }


    /**
     * A fresh run starts an empty metrics.jsonl; a resumed one keeps the lines of the epochs its checkpoint holds
     * (step lines of an epoch that was cut short are dropped, the resumed run writes them again).
     */
    static void prepareMetrics(Path file, int epochsDone, boolean resuming) {
        try {
            if (!resuming || !Files.exists(file)) {
                Files.writeString(file, "");
                return;
            }
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                Map<?, ?> m = RunMetrics.parse(line);
                if (m != null && m.get("epoch") instanceof JsonNumber n && n.longValueExact() <= epochsDone) {
                    kept.add(line);
                }
            }
            AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        } catch (IOException e) {
            throw new Vil4jException("cannot prepare " + file + ": " + e.getMessage(), e);
        }
    }
}
