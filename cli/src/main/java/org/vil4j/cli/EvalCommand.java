package org.vil4j.cli;

import org.vil4j.training.model.ImageNetClasses;
import jakarta.inject.Inject;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.Normalisation;
import org.vil4j.segmentation.data.FmnistPlaced;
import org.vil4j.training.model.Preprocessing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** Top-1/top-5 accuracy over an ImageFolder tree. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Top-1/top-5 accuracy of a model on a dataset's test split, with the model's own "
                + "preprocessing: --dataset fashion-mnist, cifar10, cifar100, or imagefolder (default): "
                + "DIR/CLASS/IMAGE (or DIR/val, DIR/test as train reads it). Folders named by the model's class "
                + "names map to them, ImageNet synset ids (n01440764, ...) to the 1000 ImageNet classes; otherwise "
                + "the sorted folder names are classes 0, 1, ... (torchvision's ImageFolder).")
final class EvalCommand implements Callable<Integer> {
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png");

    @Option(names = "--weights", required = true, description = ".th/.pt/.pth (official or ours) or .safetensors")
    Path weights;

    @Option(names = "--model", description = "preset, e.g. vil2-tiny (default: what the weights describe)")
    String model;

    @Option(names = "--dataset", defaultValue = "imagefolder", description = "fashion-mnist, cifar10, cifar100, "
            + "imagefolder, or fmnist-placed (the test items placed as the model's training run placed them: its "
            + "seed and item scales from the model file) (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "the dataset's folder (imagefolder: DIR/CLASS/IMAGE; "
            + "fashion-mnist: default $VIL_DATA, then /usr/share/datasets/fashion-mnist)")
    String data;

    @Option(names = "--input", description = "input size SIZE or HxW (default: the model's, 224)")
    String input;

    @Option(names = "--batch", defaultValue = "16", description = "images per forward (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--limit", description = "evaluate only the first N images (in ImageFolder order)")
    Integer limit;




    @Option(names = "--task", description = "segmentation: mIoU, pixel accuracy and per-class IoU on the held-out "
            + "split of the model's dataset (fmnist-scenes, or --dataset ade20k --data DIR); chosen by itself for a "
            + "segmentation model file")
    String task;

    @Option(names = "--test-views", paramLabel = "LIST", description = "segmentation: also predict from these views "
            + "of each image and sum the class probabilities (mmseg's aug test): flip (the mirror image), shift (moved "
            + "by half a patch down, right and both), flip,shift (8 views, 8x the forwards), scale=R1/R2/... (the "
            + "image also resized by each ratio, its logits resized back; mirrored too with flip)")
    String testViews;

    @Option(names = "--item-report", description = "segmentation on fmnist-scenes: also judge whole items (the class "
            + "most of an item's pixels get), the items split between classes, and the mIoU had each item's pixels "
            + "been given its majority class")
    boolean itemReport;

    @Mixin
    SegmentationOptions segmentationOptions = new SegmentationOptions();

    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Mixin
    ImageLimits limits = new ImageLimits();

    @Mixin
    MlstmFormOptions forms = new MlstmFormOptions();

    private final Plugins plugins;

    @Inject
    EvalCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    record Sample(Path image, int label) {
    }

    @Override
    public Integer call() {
        if (batch < 1) {
            throw new Vil4jException("--batch must be at least 1");
        }
        if (limit != null && limit < 1) {
            throw new Vil4jException("--limit must be at least 1, got " + limit);
        }
        if ("segmentation".equals(task) || task == null && SegmentationEval.isSegmentationModel(weights)) {
            return SegmentationEval.run(plugins, deviceOptions, weights, dataset, data, segmentationOptions, batch,
                    limit, limits.maxImagePixels, testViews, itemReport);
        }
        if (itemReport) {
            throw new Vil4jException("--item-report is for segmentation models (--task segmentation)");
        }
        if (testViews != null) {
            throw new Vil4jException("--test-views is for segmentation models (--task segmentation)");
        }
        if (task != null && !task.equals("classification")) {
            throw new Vil4jException("--task must be classification or segmentation, got '" + task + "'");
        }
        limits.check(input);
        forms.form(); // a bad --mlstm-form or --chunk fails before the weights are read
        try (Ops ops = deviceOptions.open(plugins)) {
            Classifier classifier = new Classifier(plugins, ops, weights, model, input);
            limits.apply(classifier, input, forms, ops);
            Source source = source(classifier);
            int n = limit == null ? source.size() : Math.max(0, Math.min(limit, source.size()));
            if (n == 0) {
                throw new Vil4jException("no images to evaluate in " + source.name());
            }
            System.out.printf(Locale.ROOT, "loaded %s in %.2f s (%s on %s); %d images of %s%n", weights,
                    classifier.loadSeconds, ops.backendName(), ops.deviceName(), n, source.name());
            ProgressBar bar = new ProgressBar(System.err, n);
            long start = System.nanoTime();
            int top1 = 0, top5 = 0;
            for (int from = 0; from < n; from += batch) {
                int to = Math.min(n, from + batch);
                List<float[]> inputs = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    inputs.add(source.input(i));
                }
                double[][] p = classifier.probabilities(inputs);
                for (int i = from; i < to; i++) {
                    int[] best = Classifier.top(p[i - from], 5);
                    int label = source.label(i);
                    top1 += best[0] == label ? 1 : 0;
                    for (int b : best) {
                        top5 += b == label ? 1 : 0;
                    }
                }
                bar.update(to);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.println("+--------+---------+--------+");
            System.out.println("| metric |  value  | images |");
            System.out.println("+--------+---------+--------+");
            System.out.printf(Locale.ROOT, "| top-1  | %6.2f%% | %6d |%n", 100.0 * top1 / n, top1);
            System.out.printf(Locale.ROOT, "| top-5  | %6.2f%% | %6d |%n", 100.0 * top5 / n, top5);
            System.out.printf(Locale.ROOT, "| total  |         | %6d |%n", n);
            System.out.println("+--------+---------+--------+");
            System.out.printf(Locale.ROOT, "%.1f s, %.1f images/s%n", seconds, n / seconds);
        }
        return 0;
    }

    /** What is evaluated: preprocessed inputs with their labels. */
    interface Source {
        String name();

        int size();

        float[] input(int index);

        int label(int index);
    }

    private Source source(Classifier classifier) {
        if (dataset.equals("imagefolder")) {
            if (data == null || data.isBlank()) {
                throw new Vil4jException("--dataset imagefolder needs --data DIR");
            }
            Path root = Path.of(data);
            Path folder = Files.isDirectory(root.resolve("train")) && Files.isDirectory(Datasets.testFolder(root))
                    ? Datasets.testFolder(root) : root;
            List<Sample> samples = samples(folder, classifier.numClasses(), classifier.classNames());
            return new Source() {
                public String name() {
                    return folder.toString();
                }

                public int size() {
                    return samples.size();
                }

                public float[] input(int index) {
                    return classifier.preprocess(samples.get(index).image());
                }

                public int label(int index) {
                    return samples.get(index).label();
                }
            };
        }
        Preprocessing p = classifier.preprocessing;
        Dataset test = dataset.equals(FmnistPlaced.NAME)
                ? placedTest(classifier.provenance, data, segmentationOptions, p.height())
                : Datasets.open(dataset, data, p.channels(), p.height(), p.width()).test();
        if (test.channels() != p.channels() || test.height() != p.height() || test.width() != p.width()) {
            throw new Vil4jException("--dataset " + dataset + " has " + test.channels() + "x" + test.height() + "x"
                    + test.width() + " images; the model " + weights + " takes " + p.channels() + "x" + p.height()
                    + "x" + p.width());
        }
        if (test.classes() > classifier.numClasses()) {
            throw new Vil4jException("--dataset " + dataset + " has " + test.classes() + " classes; the model "
                    + weights + " has " + classifier.numClasses());
        }
        Normalisation normalisation = p.normalisation();
        return new Source() {
            public String name() {
                return test.name();
            }

            public int size() {
                return test.size();
            }

            public float[] input(int index) {
                float[] image = new float[p.channels() * p.height() * p.width()];
                test.image(index, image, 0);
                normalisation.apply(image, 0, p.channels(), p.height() * p.width()); // the model's own
                return image;
            }

            public int label(int index) {
                return test.label(index);
            }
        };
    }

    /**
     * fmnist-placed's test split as the model's training run drew it: the canvas is the model's input, the seed and
     * the item scales those its model file records (a file without them: --seed 0 and --item-scale).
     */
    static FmnistPlaced placedTest(Map<String, Object> provenance, String data,
                                   SegmentationOptions segmentationOptions, int canvas) {
        long seed = 0;
        if (provenance.get("recipe") instanceof Map<?, ?> recipe && !Double.isNaN(RunMetrics.number(recipe, "seed"))) {
            seed = (long) RunMetrics.number(recipe, "seed");
        }
        String scale = provenance.get("dataset") instanceof String name
                ? SegmentationOptions.recordedItemScale(name) : null;
        if (scale != null) {
            segmentationOptions.itemScale = scale;
        }
        segmentationOptions.canvas = canvas;
        return (FmnistPlaced) segmentationOptions.placed(data, seed).test();
    }

    /** ImageFolder order: class folders sorted, files sorted within each. */
    static List<Sample> samples(Path root, int numClasses) {
        return samples(root, numClasses, List.of());
    }

    /**
     * ImageFolder order: class folders sorted, files sorted within each; labels by the model's class names when every
     * folder is one of them, else by ImageNet synset ids, else by position.
     */
    static List<Sample> samples(Path root, int numClasses, List<String> classNames) {
        if (!Files.isDirectory(root)) {
            throw new Vil4jException("--data " + root + " is not a directory");
        }
        List<Path> classes;
        try (Stream<Path> s = Files.list(root)) {
            classes = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new Vil4jException("cannot list " + root + ": " + e.getMessage(), e);
        }
        if (classes.isEmpty()) {
            throw new Vil4jException("--data " + root + " holds no class folders");
        }
        boolean named = !classNames.isEmpty() && classes.stream()
                .allMatch(c -> classNames.contains(c.getFileName().toString()));
        boolean imagenet = !named && numClasses == ImageNetClasses.COUNT && classes.stream()
                .allMatch(c -> ImageNetClasses.indexOf(c.getFileName().toString()) >= 0);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) {
            Path dir = classes.get(i);
            String folder = dir.getFileName().toString();
            int label = named ? classNames.indexOf(folder) : imagenet ? ImageNetClasses.indexOf(folder) : i;
            if (label >= numClasses) {
                throw new Vil4jException("--data " + root + " has " + classes.size() + " class folders but the model "
                        + "has " + numClasses + " classes (folder " + dir.getFileName() + ")");
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(Files::isRegularFile).filter(f -> EXTENSIONS.stream()
                                .anyMatch(e -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
                        .sorted().forEach(f -> out.add(new Sample(f, label)));
            } catch (IOException e) {
                throw new Vil4jException("cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
