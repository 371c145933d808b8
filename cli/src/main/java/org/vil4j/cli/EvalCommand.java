package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** Top-1/top-5 accuracy over an ImageFolder tree. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Top-1/top-5 accuracy over an ImageFolder tree (one folder per class). Folders named by "
                + "ImageNet synset ids (n01440764, ...) map to the 1000 ImageNet classes; otherwise the sorted folder "
                + "names are classes 0, 1, ... (torchvision's ImageFolder).")
final class EvalCommand implements Callable<Integer> {
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png");

    @Option(names = "--weights", required = true, description = ".th/.pt/.pth (official or ours) or .safetensors")
    Path weights;

    @Option(names = "--model", description = "preset, e.g. vil2-tiny (default: what the weights describe)")
    String model;

    @Option(names = "--data", required = true, description = "ImageFolder root: DIR/CLASS/IMAGE")
    Path data;

    @Option(names = "--input", description = "input size SIZE or HxW (default: the model's, 224)")
    String input;

    @Option(names = "--batch", defaultValue = "16", description = "images per forward (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--limit", description = "evaluate only the first N images (in ImageFolder order)")
    Integer limit;




    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    @Mixin
    ImageLimits limits = new ImageLimits();

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
        limits.check(input);
        try (Ops ops = deviceOptions.open(plugins)) {
            Classifier classifier = new Classifier(plugins, ops, weights, model, input);
            limits.apply(classifier, input);
            List<Sample> samples = samples(data, classifier.config.numClasses());
            if (limit != null && limit < samples.size()) {
                samples = samples.subList(0, Math.max(0, limit));
            }
            if (samples.isEmpty()) {
                throw new Vil4jException("no .jpg/.jpeg/.png images under " + data + "/CLASS/");
            }
            System.out.printf(Locale.ROOT, "loaded %s in %.2f s (%s on %s); %d images%n", weights,
                    classifier.loadSeconds, ops.backendName(), ops.deviceName(), samples.size());
            ProgressBar bar = new ProgressBar(System.err, samples.size());
            long start = System.nanoTime();
            int top1 = 0, top5 = 0, done = 0;
            for (int from = 0; from < samples.size(); from += batch) {
                List<Sample> chunk = samples.subList(from, Math.min(samples.size(), from + batch));
                List<float[]> inputs = new ArrayList<>();
                for (Sample s : chunk) {
                    inputs.add(classifier.preprocess(s.image()));
                }
                double[][] p = classifier.probabilities(inputs);
                for (int i = 0; i < chunk.size(); i++) {
                    int[] best = Classifier.top(p[i], 5);
                    int label = chunk.get(i).label();
                    top1 += best[0] == label ? 1 : 0;
                    for (int b : best) {
                        top5 += b == label ? 1 : 0;
                    }
                }
                done += chunk.size();
                bar.update(done);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int n = samples.size();
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

    /** ImageFolder order: class folders sorted, files sorted within each. */
    static List<Sample> samples(Path root, int numClasses) {
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
        boolean imagenet = numClasses == ImageNetClasses.COUNT && classes.stream()
                .allMatch(c -> ImageNetClasses.indexOf(c.getFileName().toString()) >= 0);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) {
            Path dir = classes.get(i);
            int label = imagenet ? ImageNetClasses.indexOf(dir.getFileName().toString()) : i;
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
