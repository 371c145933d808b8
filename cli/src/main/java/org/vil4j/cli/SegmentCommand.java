package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import org.vil4j.segmentation.SegmentationModel;
import org.vil4j.segmentation.SegmentationModelFile;
import org.vil4j.segmentation.SegmentationPictures;
import org.vil4j.segmentation.TestTimeViews;
import org.vil4j.segmentation.SegmentationTrainer;
import org.vil4j.training.data.ImageDecoding;
import org.vil4j.training.data.ImageFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code vil segment}: a segmentation model's label map of each image, as a colour mask and an overlay. */
@Command(name = "segment", mixinStandardHelpOptions = true, description = {"Segments images with a model from "
        + "'vil train --task segmentation': writes DIR/NAME-mask.png (a colour per class, background black) and "
        + "DIR/NAME-overlay.png (the image with the mask blended in), and prints each image's class shares."})
final class SegmentCommand implements Callable<Integer> {
    @Option(names = "--weights", required = true, paramLabel = "FILE", description = "a segmentation model file "
            + "(RUN/model.safetensors)")
    Path weights;

    @Option(names = "--test-views", paramLabel = "LIST", description = "also predict from these views of each image "
            + "and sum the class probabilities: flip, shift (half a patch), scale=R1/R2/..., or a list of them (see "
            + "vil eval)")
    String testViews;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where the pictures go")
    Path out;

    @Option(names = "--max-image-pixels", paramLabel = "N", description = "largest image (width x height) to decode "
            + "(default: 100000000)")
    long maxImagePixels = ImageDecoding.DEFAULT_MAX_PIXELS;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "images (JPEG, PNG, ...)")
    List<Path> images;

    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    private final Plugins plugins;

    @Inject
    SegmentCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() {
        System.setProperty("java.awt.headless", "true");
        ImageDecoding.checkLimit(maxImagePixels);
        SegmentationModelFile.Loaded file = SegmentationModelFile.read(weights);
        for (Path image : images) {
            if (!Files.isRegularFile(image)) {
                throw new Vil4jException("IMAGE " + image + ": no such file");
            }
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new Vil4jException("--out " + out + ": cannot create it (" + e.getMessage() + ")");
        }
        int side = file.side(), channels = file.config().backbone().channels();
        TestTimeViews views = testViews == null ? null : SegmentationEval.views(testViews, file);
        List<String> names = file.config().classNames();
        try (Ops ops = deviceOptions.open(plugins)) {
            SegmentationModel model = new SegmentationModel(file.config(), plugins, ops, file.weights(),
                    weights.toString());
            model.prepare(side, side);
            for (Path path : images) {
                BufferedImage picture = ImageDecoding.read(path, maxImagePixels);
                float[] input = new float[channels * side * side];
                ImageFolder.planes(picture, channels, side, side, input, 0);
                file.normalisation().apply(input, 0, channels, side * side);
                int[] map = views != null ? views.predict(model, input, 1, side, side)
                        : SegmentationTrainer.predict(model, input, 1, side, side);
                String stem = path.getFileName().toString().replaceFirst("\\.[^.]*$", "");
                Path mask = out.resolve(stem + "-mask.png"), overlay = out.resolve(stem + "-overlay.png");
                write(SegmentationPictures.mask(map, side, side, picture.getWidth(), picture.getHeight(), names), mask);
                write(SegmentationPictures.overlay(picture, map, side, side, names), overlay);
                System.out.printf(Locale.ROOT, "%s: %s -> %s, %s%n", path, shares(map, names), mask, overlay);
            }
        }
        return 0;
    }

    /** The classes covering the most pixels, largest first. */
    static String shares(int[] map, List<String> names) {
        int[] counts = new int[names.size()];
        for (int c : map) {
            counts[c]++;
        }
        StringBuilder s = new StringBuilder();
        java.util.stream.IntStream.range(0, counts.length).boxed().filter(c -> counts[c] > 0)
                .sorted((a, b) -> counts[b] - counts[a]).limit(5).forEach(c -> s.append(s.length() == 0 ? "" : ", ")
                        .append(String.format(Locale.ROOT, "%s %.1f%%", names.get(c), 100.0 * counts[c] / map.length)));
        return s.toString();
    }

    private static void write(BufferedImage image, Path file) {
        try {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new Vil4jException("no PNG writer for " + file);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Vil4jException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
