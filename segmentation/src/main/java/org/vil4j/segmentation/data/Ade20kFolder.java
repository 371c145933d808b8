package org.vil4j.segmentation.data;

import org.vil4j.training.data.DatasetException;
import org.vil4j.training.data.ImageDecoding;
import org.vil4j.training.data.ImageFolder;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The ADE20K folder layout ({@code ADEChallengeData2016}): {@code ROOT/images/{training,validation}/NAME.jpg} and
 * {@code ROOT/annotations/{training,validation}/NAME.png}, the PNG holding one 8-bit class value a pixel, 0 = other
 * (ignored), k = class k - 1 (mmseg's {@code reduce_zero_label}). Class names come from {@code ROOT/objectInfo150.txt}
 * or {@code .csv} when there (the last column of each row after the header), else "class k". Images are stretched to
 * the model's size (bilinear), label maps by nearest neighbour. Files are read when a sample is asked for.
 */
public final class Ade20kFolder implements SegmentationDataset {
    public static final String NAME = "ade20k";
    public static final int CLASSES = 150;

    private final String name;
    private final List<Path> images = new ArrayList<>();
    private final List<Path> annotations = new ArrayList<>();
    private final List<String> classNames;
    private final int channels;
    private final int side;
    private final long maxPixels;

    /**
     * @param split "training" or "validation"
     * @param side  the square size samples come out at
     */
    public Ade20kFolder(Path root, String split, int channels, int side, long maxPixels) {
        this.name = NAME + "/" + split;
        this.channels = channels;
        this.side = side;
        this.maxPixels = maxPixels;
        Path imageDir = root.resolve("images").resolve(split);
        Path annotationDir = root.resolve("annotations").resolve(split);
        for (Path dir : List.of(imageDir, annotationDir)) {
            if (!Files.isDirectory(dir)) {
                throw new DatasetException("ADE20K folder " + root + ": " + dir + " does not exist (expected "
                        + "images/{training,validation} and annotations/{training,validation})");
            }
        }
        try (Stream<Path> files = Files.list(imageDir)) {
            for (Path image : files.filter(Files::isRegularFile).sorted().toList()) {
                String file = image.getFileName().toString();
                int dot = file.lastIndexOf('.');
                String stem = dot < 0 ? file : file.substring(0, dot);
                Path annotation = annotationDir.resolve(stem + ".png");
                if (!Files.isRegularFile(annotation)) {
                    throw new DatasetException("ADE20K image " + image + " has no label map " + annotation);
                }
                images.add(image);
                annotations.add(annotation);
            }
        } catch (IOException e) {
            throw new DatasetException("cannot list " + imageDir + ": " + e.getMessage());
        }
        if (images.isEmpty()) {
            throw new DatasetException("ADE20K folder " + imageDir + " holds no images");
        }
        this.classNames = classNames(root);
    }

    private static List<String> classNames(Path root) {
        for (String file : List.of("objectInfo150.txt", "objectInfo150.csv")) {
            Path info = root.resolve(file);
            if (!Files.isRegularFile(info)) {
                continue;
            }
            try {
                List<String> lines = Files.readAllLines(info, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.isBlank()).toList();
                List<String> names = new ArrayList<>();
                for (String line : lines.subList(1, lines.size())) {
                    String[] cells = line.split(file.endsWith(".csv") ? "," : "\t");
                    names.add(cells[cells.length - 1].trim().split(";")[0]);
                }
                if (names.size() != CLASSES) {
                    throw new DatasetException(info + " names " + names.size() + " classes, ADE20K has " + CLASSES);
                }
                return names;
            } catch (IOException e) {
                throw new DatasetException("cannot read " + info + ": " + e.getMessage());
            }
        }
        List<String> names = new ArrayList<>();
        for (int k = 1; k <= CLASSES; k++) {
            names.add("class " + k);
        }
        return names;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return side;
    }

    @Override
    public int width() {
        return side;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public void sample(int index, float[] image, int imageOffset, int[] labels, int labelOffset) {
        ImageFolder.planes(ImageDecoding.read(images.get(index), maxPixels), channels, side, side, image, imageOffset);
        Path file = annotations.get(index);
        BufferedImage map = ImageDecoding.read(file, maxPixels);
        readLabels(map, file, side, labels, labelOffset);
    }

    /** Raw 8-bit values of the map's first band, nearest-neighbour to side x side, 0 -> ignore, k -> k - 1. */
    static void readLabels(BufferedImage map, Path file, int side, int[] labels, int offset) {
        Raster raster = map.getRaster();
        if (raster.getNumBands() != 1 || raster.getSampleModel().getSampleSize(0) > 8) {
            throw new DatasetException("ADE20K label map " + file + " is not an 8-bit single-channel PNG");
        }
        int w = map.getWidth(), h = map.getHeight();
        for (int y = 0; y < side; y++) {
            int sy = Math.min(h - 1, (int) ((y + 0.5) * h / side));
            for (int x = 0; x < side; x++) {
                int sx = Math.min(w - 1, (int) ((x + 0.5) * w / side));
                int v = raster.getSample(sx, sy, 0);
                if (v > CLASSES) {
                    throw new DatasetException("ADE20K label map " + file + ": value " + v + " at (" + sx + ", " + sy
                            + ") is not a class (0-" + CLASSES + ")");
                }
                labels[offset + y * side + x] = v == 0 ? IGNORE : v - 1;
            }
        }
    }
}
