package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.segmentation.data.Ade20kFolder;
import org.vil4j.segmentation.data.FmnistPlaced;
import org.vil4j.segmentation.data.FmnistScenes;
import org.vil4j.segmentation.data.SceneLayout;
import org.vil4j.segmentation.data.SegmentationDataset;
import org.vil4j.training.data.FashionMnist;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of segmentation runs (`train --task segmentation`, `eval --task segmentation`). */
final class SegmentationOptions {
    /** The square input sides a segmentation run (and `bench --task segmentation`) takes. */
    static final int MIN_CANVAS = 16, MAX_CANVAS = 2048;

    /** --decoder, --decoder-channels, --pyramid-scales, --feature-blocks (`vil bench --task segmentation` too). */
    @Mixin
    DecoderOptions decoderOptions = new DecoderOptions();

    @Option(names = "--canvas", paramLabel = "SIDE", description = "segmentation: the square input side; "
            + "fmnist-scenes' canvas (default: 48 for fmnist-scenes, 256 for ade20k)")
    Integer canvas;

    @Option(names = "--scenes", defaultValue = "9000", description = "fmnist-scenes: training scenes (default: "
            + "${DEFAULT-VALUE})")
    int scenes;

    @Option(names = "--test-scenes", defaultValue = "500", description = "fmnist-scenes: held-out scenes, pasted from "
            + "Fashion-MNIST's test images (default: ${DEFAULT-VALUE})")
    int testScenes;

    @Option(names = "--max-items", defaultValue = "3", description = "fmnist-scenes: items per scene, 1 to this "
            + "(default: ${DEFAULT-VALUE})")
    int maxItems;

    @Option(names = "--item-scale", defaultValue = "0.75,1.25", paramLabel = "MIN,MAX", description = "fmnist-scenes: "
            + "an item's side is 28 px times a factor in this range (default: ${DEFAULT-VALUE})")
    String itemScale;

    @Option(names = "--max-occlusion", defaultValue = "0.25", paramLabel = "SHARE", description = "fmnist-scenes: the "
            + "largest share of an item's pixels later items may cover, 0 to 1 (default: ${DEFAULT-VALUE})")
    double maxOcclusion;

    @Option(names = "--fresh-scenes", description = "fmnist-scenes: draw new training scenes every epoch (new scales, "
            + "places and neighbours for the items) instead of the same --scenes each epoch")
    boolean freshScenes;

    @Option(names = "--placed-copies", defaultValue = "1", paramLabel = "K", description = "classification on "
            + "fmnist-placed: each training item K times an epoch, each time at another scale and place "
            + "(default: ${DEFAULT-VALUE})")
    int placedCopies;

    @Option(names = "--scale-range", paramLabel = "MIN,MAX", description = "segmentation: random rescale of image "
            + "and mask before the crop (default: 1,1 for fmnist-scenes, whose generator varies scale and place "
            + "itself; 0.75,1.5 for ade20k)")
    String scaleRange;

    /** The blocks feeding the decoder's levels for a backbone of this depth. */
    int[] blocks(int depth) {
        return decoderOptions.blocks(depth);
    }

    /** The pyramid for a dataset: the option, else the dataset's default (see the option). */
    double[] pyramid(String dataset) {
        return decoderOptions.pyramid(datasetName(dataset).equals(FmnistScenes.NAME));
    }

    /** The augmentation's rescale range for a dataset: the option, else the dataset's default. */
    double[] scales(String dataset) {
        if (scaleRange == null) {
            return datasetName(dataset).equals(FmnistScenes.NAME) ? new double[]{1, 1} : new double[]{0.75, 1.5};
        }
        return range("--scale-range", scaleRange);
    }

    /** The canvas for a dataset: the option, else the dataset's default. */
    int canvas(String dataset) {
        if (canvas != null) {
            return canvas;
        }
        return datasetName(dataset).equals(FmnistScenes.NAME) ? SceneLayout.DEFAULT.side() : 256;
    }

    SceneLayout layout(String dataset) {
        double[] items = range("--item-scale", itemScale);
        return new SceneLayout(canvas(dataset), maxItems, items[0], items[1], maxOcclusion);
    }

    private static double[] range(String option, String value) {
        String[] parts = value.split(",");
        try {
            if (parts.length == 2) {
                double lo = Double.parseDouble(parts[0].trim()), hi = Double.parseDouble(parts[1].trim());
                if (lo > 0 && hi >= lo && hi < 100) {
                    return new double[]{lo, hi};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Vil4jException(option + " must be MIN,MAX with 0 < MIN <= MAX < 100, got '" + value + "'");
    }

    void check(String dataset) {
        checkCanvas(canvas(dataset));
        if (scenes < 1 || testScenes < 1 || maxItems < 1) {
            throw new Vil4jException("--scenes, --test-scenes and --max-items must be at least 1");
        }
        decoderOptions.check();
        scales(dataset);
        layout(dataset);
        pyramid(dataset);
    }

    /** The dataset's name with the classification default read as the segmentation one. */
    static String datasetName(String dataset) {
        return dataset == null || dataset.equals("fashion-mnist") ? FmnistScenes.NAME : dataset;
    }

    /**
     * fmnist-placed's splits for classification: every training item --placed-copies times, the test items once,
     * each on the canvas at the --item-scale range.
     */
    TrainCommand.Data placed(String data, long seed) {
        if (placedCopies < 1) {
            throw new Vil4jException("--placed-copies must be at least 1, got " + placedCopies);
        }
        int side = checkCanvas(canvas(FmnistScenes.NAME));
        Path dir = FashionMnist.locate(data);
        double[] items = range("--item-scale", itemScale);
        SceneLayout layout = new SceneLayout(side, 1, items[0], items[1], 0);
        // the name goes into the recipe a resume checks (and the model file), so it names what decides the samples;
        // recordedItemScale reads it back
        String name = FmnistPlaced.NAME + " (canvas " + side + ", " + PLACED_SCALE + items[0] + "," + items[1] + ")";
        return new TrainCommand.Data(name, new FmnistPlaced(FashionMnist.train(dir), "train", layout,
                placedCopies, seed), new FmnistPlaced(FashionMnist.test(dir), "test", layout, 1, seed + 1_000_003),
                SegmentationTraining.FMNIST_SCENES); // the scenes' statistics: the segmentation run keeps these
    }

    private static final String PLACED_SCALE = "--item-scale ";

    /** The --item-scale MIN,MAX a dataset name of {@link #placed} records, or null where it records none. */
    static String recordedItemScale(String datasetName) {
        if (datasetName == null || !datasetName.startsWith(FmnistPlaced.NAME + " (")) {
            return null;
        }
        Matcher m = Pattern.compile(Pattern.quote(PLACED_SCALE) + "([0-9.]+,[0-9.]+)").matcher(datasetName);
        return m.find() ? m.group(1) : null;
    }

    private static int checkCanvas(int side) {
        if (side < MIN_CANVAS || side > MAX_CANVAS) {
            throw new Vil4jException("--canvas must be between " + MIN_CANVAS + " and " + MAX_CANVAS + ", got " + side);
        }
        return side;
    }

    /** Train (held-out false) or held-out split of a segmentation dataset. */
    SegmentationDataset open(String dataset, String data, boolean heldOut, int channels, long seed, long maxPixels) {
        String name = datasetName(dataset);
        if (name.equals(FmnistScenes.NAME)) {
            Path dir = FashionMnist.locate(data);
            SceneLayout layout = layout(name);
            if (heldOut) {
                return new FmnistScenes(FashionMnist.test(dir), "test", testScenes, layout, seed + 1_000_003);
            }
            FmnistScenes train = new FmnistScenes(FashionMnist.train(dir), "train", scenes, layout, seed);
            return freshScenes ? train.freshEachEpoch() : train;
        }
        if (name.equals(Ade20kFolder.NAME)) {
            if (data == null) {
                throw new Vil4jException("--dataset ade20k needs --data DIR (the ADEChallengeData2016 folder)");
            }
            return new Ade20kFolder(Path.of(data), heldOut ? "validation" : "training", channels, canvas(name),
                    maxPixels);
        }
        throw new Vil4jException("--dataset " + dataset + " is not a segmentation dataset (fmnist-scenes, ade20k)");
    }
}
