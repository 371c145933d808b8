package org.vil4j.cli;

import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import org.vil4j.segmentation.SegmentationModel;
import org.vil4j.segmentation.SegmentationModelFile;
import org.vil4j.segmentation.SegmentationTrainer;
import org.vil4j.segmentation.TestTimeViews;
import org.vil4j.segmentation.data.FmnistScenes;
import org.vil4j.segmentation.data.ItemReport;
import org.vil4j.segmentation.data.SegmentationDataset;
import org.vil4j.segmentation.data.SegmentationMetrics;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code vil eval --task segmentation} (or any segmentation model file): mIoU, pixel accuracy and the per-class IoU
 * table on the held-out split of the model's dataset. fmnist-scenes are generated again from the seed, item count
 * and scene count the model file records (else from the options), so the held-out scenes are the training run's.
 */
final class SegmentationEval {
    private SegmentationEval() {
    }

    /** The views {@code spec} names for this model file: half its patch, its black pixel as the fill. */
    static TestTimeViews views(String spec, SegmentationModelFile.Loaded file) {
        int channels = file.config().backbone().channels();
        float[] black = new float[channels];
        file.normalisation().apply(black, 0, channels, 1);
        return TestTimeViews.parse(spec, file.config().backbone().patchSize(), black);
    }

    static boolean isSegmentationModel(Path weights) {
        try {
            return SegmentationModelFile.FORMAT.equals(
                    org.vil4j.formats.safetensors.SafetensorsFile.open(weights).metadata().get("format"));
        } catch (RuntimeException e) {
            return false; // not a safetensors file: the classification path reports what it is
        }
    }

    static Integer run(Plugins plugins, DeviceOptions device, Path weights, String dataset, String data,
                       SegmentationOptions options, int batch, Integer limit, long maxPixels, String testViews,
                       boolean itemReport) {
        SegmentationModelFile.Loaded file = SegmentationModelFile.read(weights);
        Map<String, String> p = file.provenance();
        String name = dataset == null || dataset.equals("imagefolder") ? p.getOrDefault("dataset", FmnistScenes.NAME)
                : dataset;
        options.canvas = file.side();
        long seed = Long.parseLong(p.getOrDefault("seed", "0"));
        options.maxItems = Integer.parseInt(p.getOrDefault("max_items", Integer.toString(options.maxItems)));
        options.itemScale = p.getOrDefault("item_scale", options.itemScale);
        options.maxOcclusion = Double.parseDouble(p.getOrDefault("max_occlusion",
                Double.toString(options.maxOcclusion)));
        options.testScenes = Integer.parseInt(p.getOrDefault("test_scenes", Integer.toString(options.testScenes)));
        SegmentationDataset test = options.open(name, data, true, file.config().backbone().channels(), seed, maxPixels);
        if (!test.classNames().equals(file.config().classNames())) {
            throw new Vil4jException("--dataset " + name + " has " + test.classes() + " classes, the model "
                    + weights + " " + file.config().classes());
        }
        int n = limit == null ? test.size() : Math.min(limit, test.size());
        TestTimeViews views = testViews == null ? null : views(testViews, file);
        if (itemReport && !(test instanceof FmnistScenes)) {
            throw new Vil4jException("--item-report needs fmnist-scenes, whose items are known; " + test.name()
                    + " has only its label maps");
        }
        ItemReport items = itemReport ? new ItemReport(test.classes()) : null;
        try (Ops ops = device.open(plugins)) {
            SegmentationModel model = new SegmentationModel(file.config(), plugins, ops, file.weights(),
                    weights.toString());
            model.prepare(file.side(), file.side());
            System.out.printf(Locale.ROOT, "loaded %s (%s + %s); %d images of %s on %s (%s)%n", weights,
                    file.config().backbone().schedule(), file.config().decoder(), n, test.name(), ops.backendName(),
                    ops.deviceName());
            long start = System.nanoTime();
            SegmentationMetrics metrics = SegmentationTrainer.evaluate(model, test, batch, file.normalisation(), n,
                    views, items == null ? null : (first, count, labels, predicted) -> {
                        int plane = test.height() * test.width();
                        for (int i = 0; i < count; i++) {
                            items.add(((FmnistScenes) test).scene(first + i), predicted, i * plane);
                        }
                    });
            System.out.println(metrics.table(file.config().classNames()));
            if (items != null) {
                System.out.println(items.table(file.config().classNames()));
            }
            System.out.printf(Locale.ROOT, "%d images in %.1f s%s%n", n, (System.nanoTime() - start) / 1e9,
                    views == null ? "" : " (" + views.size() + " views each: " + testViews + ")");
        }
        return 0;
    }
}
