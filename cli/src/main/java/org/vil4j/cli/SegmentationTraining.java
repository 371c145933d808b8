package org.vil4j.cli;

import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.DeviceMemoryExhaustedException;
import org.vil4j.api.Vil4jException;
import org.vil4j.segmentation.PretrainedBackbone;
import org.vil4j.segmentation.SegmentationCheckpoint;
import org.vil4j.segmentation.SegmentationConfig;
import org.vil4j.segmentation.SegmentationModel;
import org.vil4j.segmentation.SegmentationModelFile;
import org.vil4j.segmentation.SegmentationTrainer;
import org.vil4j.segmentation.data.FmnistScenes;
import org.vil4j.segmentation.data.JointAugmentation;
import org.vil4j.segmentation.data.SceneLayout;
import org.vil4j.segmentation.data.SegmentationDataset;
import org.vil4j.training.ConfigJson;
import org.vil4j.training.Json;
import org.vil4j.training.OptimizerSettings;
import org.vil4j.training.data.Normalisation;
import org.vil4j.vil.VilConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code vil train --task segmentation}: a ViL backbone with a decoder on fmnist-scenes or an ADE20K folder; mIoU and
 * pixel accuracy on the held-out split after every epoch, {@code metrics.jsonl}, {@code config.json} and {@code
 * model.safetensors} and {@code checkpoint.safetensors} (written atomically after every epoch; {@code --resume}
 * continues a run exactly from the latter), and the per-class IoU table at the end.
 */
final class SegmentationTraining {
    // the defaults: the run measured in the README (sized for a 2-core CPU)
    /** The generated scenes' normalisation: mostly dark canvases. */
    static final Normalisation FMNIST_SCENES = new Normalisation(new float[]{0.12f}, new float[]{0.28f});
    static final int DEFAULT_DIM = 64;
    static final int DEFAULT_DEPTH = 2;
    static final int DEFAULT_PATCH = 4;
    static final int DEFAULT_EPOCHS = 5;
    static final int DEFAULT_BATCH = 32;
    static final double DEFAULT_LR = 3e-3;

    private final TrainCommand o;
    private final SegmentationOptions s;
    private final Plugins plugins;

    SegmentationTraining(TrainCommand options, SegmentationOptions segmentation, Plugins plugins) {
        this.o = options;
        this.s = segmentation;
        this.plugins = plugins;
    }

    Integer run() {
        System.setProperty("java.awt.headless", "true");
        String datasetName = SegmentationOptions.datasetName(o.dataset);
        s.check(datasetName);
        int canvas = s.canvas(datasetName);
        if (o.stopAfter != null && o.stopAfter < 1) {
            throw new Vil4jException("--stop-after must be at least 1, got " + o.stopAfter);
        }
        if (!"auto".equals(o.recomputeActivations)) {
            // the trainer keeps every activation: an option it would ignore is refused instead
            throw new Vil4jException("--recompute-activations applies to classification training; segmentation "
                    + "keeps every activation (lower --batch-size to use less device memory)");
        }
        // --resume: the run's checkpoint (read first: a missing or damaged one fails before anything else)
        Path checkpointIn = o.resolveOut("segment-");
        SegmentationCheckpoint resumed = checkpointIn == null ? null : SegmentationCheckpoint.read(checkpointIn);
        boolean scenes = datasetName.equals(FmnistScenes.NAME);
        int channels = scenes ? 1 : 3;
        // --weights: a segmentation model file continues; any other model file or checkpoint gives the backbone
        boolean continuing = o.initialWeights != null && SegmentationEval.isSegmentationModel(o.initialWeights);
        SegmentationModelFile.Loaded start = continuing ? SegmentationModelFile.read(o.initialWeights) : null;
        PretrainedBackbone pretrained = o.initialWeights != null && !continuing
                ? PretrainedBackbone.load(o.initialWeights, channels, canvas, plugins) : null;
        int dim = o.dim == null ? DEFAULT_DIM : o.dim;
        int depth = o.depth == null ? DEFAULT_DEPTH : o.depth;
        int patch = o.patch == null ? DEFAULT_PATCH : o.patch;
        int epochs = o.epochs == null ? DEFAULT_EPOCHS : o.epochs;
        int batch = o.batchSize == null ? DEFAULT_BATCH : o.batchSize;
        if (dim < 4 || dim % 4 != 0 || depth < 1 || patch < 1 || epochs < 1 || batch < 1) {
            throw new Vil4jException("segmentation model: --dim (a multiple of 4), --depth, --patch, --epochs and "
                    + "--batch-size must be positive");
        }
        try {
            // the optimiser's own bound, checked before anything is written (as classification's options are)
            OptimizerSettings.adamw(0).withLayerwiseLrDecay(o.layerDecay);
        } catch (IllegalArgumentException e) {
            throw new Vil4jException("invalid training option: " + e.getMessage());
        }
        if (canvas % patch != 0) {
            throw new Vil4jException("--canvas " + canvas + " is not a multiple of --patch " + patch);
        }
        long maxPixels = o.maxImagePixels;
        SegmentationDataset train = s.open(o.dataset, o.data, false, channels, o.seed, maxPixels);
        SegmentationDataset test = s.open(o.dataset, o.data, true, channels, o.seed, maxPixels);
        if (o.maxTrainSamples != null) {
            train = limited(train, o.maxTrainSamples);
        }
        int testLimit = o.maxTestSamples == null ? test.size() : Math.min(o.maxTestSamples, test.size());
        VilConfig backbone = pretrained != null ? pretrained.config() : VilConfig.builder().dim(dim).depth(depth)
                .patchSize(patch).input(channels, canvas, canvas).classes(0).pooling("none").schedule(o.schedule)
                .build();
        SegmentationConfig config = new SegmentationConfig(backbone, s.decoderOptions.decoder,
                s.decoderOptions.decoderChannels, s.blocks(backbone.depth()), s.pyramid(datasetName), train.classNames(), 0.4);
        if (start != null) {
            // continuing: the file's model is the model (its structure options win over the command line's)
            config = start.config();
            if (config.backbone().height() != canvas || !config.classNames().equals(train.classNames())) {
                throw new Vil4jException("--weights " + o.initialWeights + ": a model for " + config.classes()
                        + " classes at " + config.backbone().height() + "x" + config.backbone().width() + ", not "
                        + train.classes() + " at --canvas " + canvas);
            }
            backbone = config.backbone();
        }
        // the input statistics the weights were trained with, where the file has them
        Normalisation normalisation = start != null ? start.normalisation()
                : pretrained != null && pretrained.normalisation() != null ? pretrained.normalisation()
                : scenes ? FMNIST_SCENES : Normalisation.IMAGENET;
        double[] range = s.scales(datasetName);
        SegmentationTrainer.Settings settings = new SegmentationTrainer.Settings(epochs, batch,
                o.lr == null ? DEFAULT_LR : o.lr, o.minLr == null ? 1e-5 : o.minLr, o.warmup == null ? 0.05 : o.warmup,
                o.weightDecay == null ? 0.05 : o.weightDecay, o.layerDecay, o.seed,
                new JointAugmentation(range[0], range[1], !o.noFlip, o.seed), normalisation, o.loaderThreads);
        Path out = o.out;
        String recipe = recipeJson(datasetName, train, config, settings, range, scenes ? s.layout(datasetName)
                : null);
        if (resumed != null) {
            checkRecipe(recipe, resumed, checkpointIn);
            if (resumed.epochsDone() >= epochs) {
                throw new Vil4jException("--resume: " + checkpointIn + " is a finished run (" + resumed.epochsDone()
                        + " of " + epochs + " epochs done): nothing to continue");
            }
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new Vil4jException("--out " + out + ": cannot create it (" + e.getMessage() + ")");
        }
        if (resumed == null && (Files.exists(out.resolve(TrainCommand.MODEL))
                || Files.exists(out.resolve(TrainCommand.CHECKPOINT)))) {
            throw new Vil4jException(out + " already holds a run (" + TrainCommand.MODEL + "): pass --resume to "
                    + "continue it or another --out for a new run");
        }
        RunLock lock = RunLock.acquire(out);
        long wallStart = System.nanoTime();
        try (Ops ops = o.deviceOptions.open(plugins)) {
            Map<String, HostTensor> init = start != null ? start.weights()
                    : SegmentationModel.initialize(config, o.seed);
            if (pretrained != null) {
                init.putAll(pretrained.weights());
                System.err.println("backbone from " + o.initialWeights + " (left out: "
                        + (pretrained.dropped().isEmpty() ? "nothing" : String.join(", ", pretrained.dropped()))
                        + "); the decoder starts fresh");
            }
            long parameters = init.values().stream().mapToLong(t -> t.shape().size()).sum();
            SegmentationTrainer trainer = new SegmentationTrainer(ops, plugins, config, settings, init,
                    o.initialWeights != null ? o.initialWeights.toString() : "initialisation");
            trainer.setRecipeJson(recipe);
            if (resumed != null) {
                trainer.resume(resumed, checkpointIn);
            } else {
                writeConfig(out, config, settings, datasetName, train, test);
            }
            System.out.printf(Locale.ROOT, "segmentation: ViL dim %d, depth %d, patch %d, schedule %s + %s "
                            + "(%,d parameters%s) on %s, %d training / %d held-out images of %dx%d, %d classes; %s on %s%n",
                    backbone.dim(), backbone.depth(), backbone.patchSize(), backbone.schedule(), config.decoder(), parameters,
                    o.initialWeights != null ? ", from " + o.initialWeights : "", datasetName, train.size(),
                    testLimit, canvas, canvas, config.classes(), ops.backendName(), ops.deviceName());
            if (resumed != null) {
                System.out.printf(Locale.ROOT, "resuming after epoch %d of %d from %s%n", trainer.epochsDone(),
                        epochs, checkpointIn);
            }
            Path metrics = out.resolve(TrainCommand.METRICS);
            TrainCommand.prepareMetrics(metrics, trainer.epochsDone(), resumed != null);
            int lastEpoch = o.stopAfter == null ? epochs : Math.min(epochs, trainer.epochsDone() + o.stopAfter);
            SegmentationTrainer.EpochResult last = null;
            try {
                for (var r : trainer.run(train, test, testLimit, new Listener(metrics, out, trainer, config,
                        normalisation, datasetName, o.seed, scenes ? s.layout(datasetName) : null, s.testScenes),
                        out.resolve(TrainCommand.CHECKPOINT), lastEpoch)) {
                    last = r;
                }
            } catch (DeviceMemoryExhaustedException e) {
                throw outOfDeviceMemory(e, settings.batchSize(), config);
            }
            if (trainer.epochsDone() < epochs) {
                System.out.printf(Locale.ROOT, "stopped after epoch %d of %d as --stop-after asked; continue with: "
                        + "vil train --task segmentation --resume %s (and the same options)%n", trainer.epochsDone(),
                        epochs, out);
                return 0;
            }
            double minutes = (System.nanoTime() - wallStart) / 60e9;
            System.out.println(last.metrics().table(config.classNames()));
            System.out.printf(Locale.ROOT, "test mIoU: %.2f%%, pixel accuracy %.2f%% (%s, %s, %.1f min)%n",
                    100 * last.meanIou(), 100 * last.pixelAccuracy(), ops.backendName(), ops.deviceName(), minutes);
            return 0;
        } finally {
            lock.close();
        }
    }

    /**
     * The backend's own advice names classification's remedies; a segmentation step's memory is the decoder's at
     * pixel-level scales (the fuse module's 3x3 im2col above all), so name the options that lower it.
     */
    static Vil4jException outOfDeviceMemory(DeviceMemoryExhaustedException e, int batch, SegmentationConfig config) {
        String cause = e.getMessage();
        int advice = cause.indexOf("; use a smaller batch");
        if (advice >= 0) {
            cause = cause.substring(0, advice);
        }
        boolean pixelLevel = "upernet".equals(config.decoder())
                && java.util.Arrays.stream(config.scales()).anyMatch(scale -> scale >= 4);
        return new Vil4jException("segmentation step at batch " + batch + " does not fit the device: " + cause
                + "; use a smaller --batch-size" + (pixelLevel ? " or --pyramid-scales 2,1,0.5,0.25 (a decoder "
                + "without the pixel-resolution level, about half the memory)" : ""));
    }

    /**
     * What decides the trajectory, by option (effective values: a model file given with --weights decides the
     * structure): recorded in every checkpoint, a resume must match it.
     */
    private String recipeJson(String dataset, SegmentationDataset train, SegmentationConfig config,
                              SegmentationTrainer.Settings settings, double[] range, SceneLayout layout) {
        VilConfig b = config.backbone();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("--dataset", dataset);
        m.put("--weights", o.initialWeights == null ? "none" : o.initialWeights.toString());
        m.put("--max-train-samples", o.maxTrainSamples == null ? "all" : o.maxTrainSamples.toString());
        if (layout != null) {
            m.put("--scenes", Integer.toString(s.scenes));
            m.put("--test-scenes", Integer.toString(s.testScenes));
            m.put("--max-items", Integer.toString(layout.maxItems()));
            m.put("--item-scale", layout.minScale() + "," + layout.maxScale());
            m.put("--max-occlusion", Double.toString(layout.maxOcclusion()));
            if (s.freshScenes) {
                // recorded only when used, so that checkpoints from before the option resume as they were
                m.put("--fresh-scenes", "true");
            }
        }
        m.put("--canvas", Integer.toString(b.height()));
        m.put("--scale-range", range[0] + "," + range[1]);
        m.put("--no-flip", Boolean.toString(!settings.augmentation().flip()));
        m.put("--decoder", config.decoder());
        m.put("--decoder-channels", Integer.toString(config.channels()));
        m.put("--feature-blocks", join(Arrays.stream(config.blocks()).mapToObj(Integer::toString)));
        m.put("--pyramid-scales", join(Arrays.stream(config.scales()).mapToObj(Double::toString)));
        m.put("--dim", Integer.toString(b.dim()));
        m.put("--depth", Integer.toString(b.depth()));
        m.put("--patch", Integer.toString(b.patchSize()));
        m.put("--schedule", String.valueOf(b.schedule()));
        m.put("--batch-size", Integer.toString(settings.batchSize()));
        m.put("--lr", Double.toString(settings.learningRate()));
        m.put("--min-lr", Double.toString(settings.minLearningRate()));
        m.put("--warmup", Double.toString(settings.warmup()));
        m.put("--weight-decay", Double.toString(settings.weightDecay()));
        if (settings.layerDecay() != 1) {
            // recorded only when used, so that checkpoints from before the option resume as they were
            m.put("--layer-decay", Double.toString(settings.layerDecay()));
        }
        m.put("--epochs", Integer.toString(settings.epochs()));
        m.put("--seed", Long.toString(settings.seed()));
        // derived: after the options, which name the cause first
        m.put("training samples", Integer.toString(train.size()));
        Normalisation n = settings.normalisation();
        StringBuilder stats = new StringBuilder();
        for (int c = 0; c < n.channels(); c++) {
            stats.append(c == 0 ? "" : ",").append(n.mean(c)).append('/').append(n.std(c));
        }
        m.put("normalisation", stats.toString());
        m.put("backbone config", ConfigJson.write(b));
        return Json.write(m);
    }

    private static String join(java.util.stream.Stream<String> parts) {
        return String.join(",", parts.toList());
    }

    /** A resume must use the options its checkpoint records: one line naming each that differs. */
    private static void checkRecipe(String recipe, SegmentationCheckpoint checkpoint, Path file) {
        Map<?, ?> now = RunMetrics.parse(recipe);
        Map<?, ?> was = checkpoint.recipeJson() == null ? null : RunMetrics.parse(checkpoint.recipeJson());
        if (was == null) {
            throw new Vil4jException("--resume: " + file + " records no recipe to check this run's options against");
        }
        List<String> differ = new ArrayList<>();
        for (var e : now.entrySet()) {
            Object before = was.get(e.getKey());
            if (!e.getValue().equals(before)) {
                differ.add(e.getKey() + " " + e.getValue() + " (checkpoint: " + (before == null ? "not recorded"
                        : before) + ")");
            }
        }
        // options recorded only when used (--layer-decay, --fresh-scenes) that this run leaves out
        for (var e : was.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                differ.add(e.getKey() + " not given (checkpoint: " + e.getValue() + ")");
            }
        }
        if (!differ.isEmpty()) {
            throw new Vil4jException("--resume: this run's options differ from those " + file + " records: "
                    + String.join(", ", differ));
        }
    }

    private void writeConfig(Path out, SegmentationConfig config, SegmentationTrainer.Settings settings,
                             String dataset, SegmentationDataset train, SegmentationDataset test) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", "segmentation");
        m.put("dataset", dataset);
        m.put("train", train.name() + " (" + train.size() + ")");
        m.put("test", test.name() + " (" + test.size() + ")");
        m.put("model", ConfigJson.write(config.backbone()));
        m.put("segmentation", config.toJson());
        m.put("epochs", settings.epochs());
        m.put("batchSize", settings.batchSize());
        m.put("lr", settings.learningRate());
        m.put("minLr", settings.minLearningRate());
        m.put("warmup", settings.warmup());
        m.put("weightDecay", settings.weightDecay());
        m.put("layerDecay", settings.layerDecay());
        m.put("seed", settings.seed());
        m.put("augmentation", settings.augmentation().toString());
        write(out.resolve(TrainCommand.CONFIG), Json.write(m) + "\n", false);
    }

    private static void write(Path file, String text, boolean append) {
        try {
            if (append) {
                Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } else {
                Files.writeString(file, text, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new Vil4jException("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** Plain progress lines, metrics.jsonl and the model file after every epoch. */
    private record Listener(Path metrics, Path out, SegmentationTrainer trainer, SegmentationConfig config,
                            Normalisation normalisation, String dataset, long seed, SceneLayout layout,
                            int testScenes) implements SegmentationTrainer.Listener {
        @Override
        public void step(int epoch, int batch, int batches, double loss, double imagesPerSecond) {
            if (batch % Math.max(1, batches / 10) == 0 || batch == batches) {
                System.err.printf(Locale.ROOT, "epoch %d: batch %d/%d, loss %.4f, %.1f img/s%n", epoch + 1, batch,
                        batches, loss, imagesPerSecond);
            }
        }

        @Override
        public void epoch(SegmentationTrainer.EpochResult r) {
            System.out.printf(Locale.ROOT, "epoch %d: train loss %.4f, test mIoU %.2f%%, pixel accuracy %.2f%%, "
                            + "%.1f s (%.1f img/s)%n", r.epoch(), r.trainLoss(), 100 * r.meanIou(),
                    100 * r.pixelAccuracy(), r.seconds(), r.imagesPerSecond());
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("kind", "epoch");
            line.put("epoch", r.epoch());
            line.put("train_loss", r.trainLoss());
            line.put("test_miou", r.meanIou());
            line.put("test_pixel_accuracy", r.pixelAccuracy());
            line.put("seconds", r.seconds());
            line.put("images_per_second", r.imagesPerSecond());
            write(metrics, Json.write(line) + "\n", true);
            Map<String, String> provenance = new LinkedHashMap<>();
            provenance.put("dataset", dataset);
            provenance.put("epoch", Integer.toString(r.epoch()));
            provenance.put("seed", Long.toString(seed));
            if (layout != null) {
                // what `vil eval` needs to draw the same held-out scenes
                provenance.put("max_items", Integer.toString(layout.maxItems()));
                provenance.put("item_scale", layout.minScale() + "," + layout.maxScale());
                provenance.put("max_occlusion", Double.toString(layout.maxOcclusion()));
            }
            provenance.put("test_scenes", Integer.toString(testScenes));
            provenance.put("test_miou", String.format(Locale.ROOT, "%.4f", r.meanIou()));
            SegmentationModelFile.write(out.resolve(TrainCommand.MODEL), config, trainer.weights(), trainer.shapes(),
                    normalisation, config.backbone().height(), provenance);
        }
    }

    /** The first n samples of a dataset. */
    static SegmentationDataset limited(SegmentationDataset d, int n) {
        if (n < 1) {
            throw new Vil4jException("--max-train-samples must be at least 1, got " + n);
        }
        int size = Math.min(n, d.size());
        return new SegmentationDataset() {
            public String name() {
                return d.name();
            }

            public int size() {
                return size;
            }

            public int channels() {
                return d.channels();
            }

            public int height() {
                return d.height();
            }

            public int width() {
                return d.width();
            }

            public java.util.List<String> classNames() {
                return d.classNames();
            }

            public void sample(int index, float[] image, int imageOffset, int[] labels, int labelOffset) {
                d.sample(index, image, imageOffset, labels, labelOffset);
            }

            @Override
            public SegmentationDataset forEpoch(int epoch) {
                return limited(d.forEpoch(epoch), size);
            }
        };
    }
}
