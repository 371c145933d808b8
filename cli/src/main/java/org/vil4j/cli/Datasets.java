package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.training.data.Cifar;
import org.vil4j.training.data.Dataset;
import org.vil4j.training.data.FashionMnist;
import org.vil4j.training.data.ImageDecoding;
import org.vil4j.training.data.ImageFolder;
import org.vil4j.training.data.Normalisation;

import java.nio.file.Files;
import java.nio.file.Path;

/** The datasets {@code --dataset} names, shared by train and eval. */
final class Datasets {
    static final String NAMES = "fashion-mnist, cifar10, cifar100 or imagefolder";

    private Datasets() {
    }

    /**
     * Opens both splits. imagefolder reads {@code DIR/train} and {@code DIR/val} (or {@code DIR/test}) at the given
     * size and channels; the others have their own.
     */
    static TrainCommand.Data open(String dataset, String data, int channels, int height, int width) {
        return open(dataset, data, channels, height, width, ImageDecoding.DEFAULT_MAX_PIXELS);
    }

    /** As above; image-folder files larger than {@code maxPixels} (from their headers) are an error. */
    static TrainCommand.Data open(String dataset, String data, int channels, int height, int width, long maxPixels) {
        return switch (dataset) {
            case "fashion-mnist", "fmnist" -> {
                Path dir = FashionMnist.locate(data);
                yield new TrainCommand.Data("fashion-mnist", FashionMnist.train(dir), FashionMnist.test(dir),
                        Normalisation.FASHION_MNIST);
            }
            case "cifar10" -> new TrainCommand.Data("cifar10", Cifar.cifar10(requireData(dataset, data), true),
                    Cifar.cifar10(requireData(dataset, data), false), Normalisation.CIFAR10);
            case "cifar100" -> new TrainCommand.Data("cifar100", Cifar.cifar100(requireData(dataset, data), true),
                    Cifar.cifar100(requireData(dataset, data), false), Normalisation.CIFAR100);
            case "imagefolder" -> {
                Path root = requireData(dataset, data);
                Dataset trainSet = new ImageFolder(root.resolve("train"), channels, height, width, maxPixels);
                Dataset testSet = new ImageFolder(testFolder(root), channels, height, width, maxPixels);
                if (!trainSet.classNames().equals(testSet.classNames())) {
                    throw new Vil4jException(root + ": the class folders of train/ and "
                            + testFolder(root).getFileName() + "/ differ");
                }
                yield new TrainCommand.Data("imagefolder " + root, trainSet, testSet, channels == 3
                        ? Normalisation.IMAGENET : new Normalisation(new float[] {0.5f}, new float[] {0.5f}));
            }
            default -> throw new Vil4jException("--dataset must be " + NAMES + ", got " + dataset);
        };
    }

    /** An image folder's evaluation split: {@code DIR/val}, else {@code DIR/test}. */
    static Path testFolder(Path root) {
        return Files.isDirectory(root.resolve("val")) ? root.resolve("val") : root.resolve("test");
    }

    private static Path requireData(String dataset, String data) {
        if (data == null || data.isBlank()) {
            throw new Vil4jException("--dataset " + dataset + " needs --data DIR");
        }
        Path dir = Path.of(data);
        if (!Files.isDirectory(dir)) {
            throw new Vil4jException("--data " + dir + " is not a directory");
        }
        return dir;
    }
}
