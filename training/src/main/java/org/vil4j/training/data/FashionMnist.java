package org.vil4j.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Fashion-MNIST (Xiao et al. 2017): 60 000 training and 10 000 test images of 1x28x28 in ten clothing classes, read
 * from the four IDX files of the original distribution (gzip-compressed or not).
 */
public final class FashionMnist {
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final int SIDE = 28;
    /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
    public static final Path SYSTEM_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String ENVIRONMENT_VARIABLE = "VIL_DATA";

    private static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    private static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    private static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    private static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    private static final List<String> ALL_FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    private FashionMnist() {
    }

    public static Dataset train(Path directory) {
        return read(directory, "train", TRAIN_IMAGES, TRAIN_LABELS);
    }

    public static Dataset test(Path directory) {
        return read(directory, "test", TEST_IMAGES, TEST_LABELS);
    }

    /**
     * The directory holding the four files: {@code dataOption} (the {@code --data} option) when given, else
     * {@code $VIL_DATA}, else {@link #SYSTEM_DIRECTORY}. Each place may hold the files itself or in a
     * {@code fashion-mnist} sub-folder. An explicit option is not second-guessed: when it lacks the files the
     * other places are not tried.
     */
    public static Path locate(String dataOption) {
        return locate(dataOption, System.getenv(ENVIRONMENT_VARIABLE), SYSTEM_DIRECTORY);
    }

    static Path locate(String dataOption, String environmentValue, Path systemDirectory) {
        Set<Path> candidates = new LinkedHashSet<>();
        if (dataOption != null && !dataOption.isBlank()) {
            addWithSubfolder(candidates, Path.of(dataOption));
        } else {
            if (environmentValue != null && !environmentValue.isBlank()) {
                addWithSubfolder(candidates, Path.of(environmentValue));
            }
            candidates.add(systemDirectory);
        }
        for (Path candidate : candidates) {
            if (ALL_FILES.stream().allMatch(name -> find(candidate, name) != null)) {
                return candidate;
            }
        }
        List<String> places = new ArrayList<>();
        candidates.forEach(candidate -> places.add(candidate.toString()));
        throw new DatasetException("Fashion-MNIST not found: none of " + String.join(", ", places) + " holds "
                + String.join(", ", ALL_FILES) + " (each may end in .gz). The Debian package dataset-fashion-mnist"
                + " provides them in " + SYSTEM_DIRECTORY + " (apt-get install dataset-fashion-mnist); elsewhere pass"
                + " --data or set " + ENVIRONMENT_VARIABLE + ".");
    }

    private static void addWithSubfolder(Set<Path> candidates, Path root) {
        candidates.add(root);
        candidates.add(root.resolve("fashion-mnist"));
    }

    /** The compressed file if present (as the Debian package and the original download ship it), else the plain one. */
    private static Path find(Path directory, String name) {
        for (Path file : List.of(directory.resolve(name + ".gz"), directory.resolve(name))) {
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        return null;
    }

    private static Dataset read(Path directory, String split, String imagesName, String labelsName) {
        Path imagesFile = require(directory, imagesName);
        Path labelsFile = require(directory, labelsName);
        // labels first (one byte per image): the images' header is then checked against their count before any
        // pixel is inflated
        byte[] labels = IdxFiles.readLabels(labelsFile);
        IdxFiles.Images images = IdxFiles.readImages(imagesFile, new IdxFiles.Expected(labels.length, labelsFile, SIDE,
                SIDE, "Fashion-MNIST"));
        if (labels.length != images.count()) {
            throw new DatasetException("count mismatch: " + imagesFile + " holds " + images.count() + " images but "
                    + labelsFile + " holds " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (Byte.toUnsignedInt(labels[i]) >= CLASS_NAMES.size()) {
                throw new DatasetException(labelsFile + ": label " + Byte.toUnsignedInt(labels[i]) + " at index " + i
                        + " is not one of the " + CLASS_NAMES.size() + " classes");
            }
        }
        return new ByteImageDataset("fashion-mnist/" + split, 1, SIDE, SIDE, images.pixels(), labels, CLASS_NAMES);
    }

    private static Path require(Path directory, String name) {
        Path file = find(directory, name);
        if (file == null) {
            throw new DatasetException("Fashion-MNIST file " + directory.resolve(name) + "[.gz] does not exist");
        }
        return file;
    }
}
