package org.vil4j.cli;

import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.TransferStats;
import org.vil4j.api.Vil4jException;
import org.vil4j.segmentation.SegmentationConfig;
import org.vil4j.segmentation.SegmentationModel;
import org.vil4j.segmentation.SegmentationTrainer;
import org.vil4j.segmentation.data.FmnistScenes;
import org.vil4j.segmentation.data.JointAugmentation;
import org.vil4j.vil.VilConfig;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code vil bench --task segmentation}: a ViL preset's backbone in feature mode at the square {@code --input} side
 * (default 48, fmnist-scenes' canvas) under the decoder the options name, with fmnist-scenes' 11 classes; times whole
 * training steps with {@code --train} (upload, forward, the host's pixel-wise loss, backward, AdamW), else forwards
 * to per-pixel classes. Synthetic images and label maps: the time does not depend on their values. What it is for: a
 * segmentation step of a small model is bound by its launches and host work, not by arithmetic (round 13's H200 runs:
 * 450 img/s at batch 64 for 720,566 parameters), so the launches a step and the profile say where to cut.
 */
final class SegmentationBench {
    static final int DEFAULT_SIDE = 48;

    private final BenchCommand bench;
    private final DecoderOptions decoder;
    private final Plugins plugins;

    SegmentationBench(BenchCommand bench, DecoderOptions decoder, Plugins plugins) {
        this.bench = bench;
        this.decoder = decoder;
        this.plugins = plugins;
    }

    /** The model benched: the preset's backbone, features only, at the input side. */
    SegmentationConfig config() {
        decoder.check();
        VilConfig c = TrainingPresets.get(bench.model).model();
        int side = side();
        if (side % c.patchSize() != 0) {
            throw new Vil4jException("bench: --input " + side + " is not a multiple of " + bench.model + "'s patch "
                    + c.patchSize());
        }
        VilConfig features = c.asFeatures(side);
        return new SegmentationConfig(features, decoder.decoder, decoder.decoderChannels,
                decoder.blocks(features.depth()), decoder.pyramid(side <= 64), FmnistScenes.classNamesList(), 0.4);
    }

    /** --input as one square side (segmentation models are square here), or 48. */
    private int side() {
        if (bench.input == null) {
            return DEFAULT_SIDE;
        }
        int[] size = bench.inputSize(null);
        int min = SegmentationOptions.MIN_CANVAS, max = SegmentationOptions.MAX_CANVAS;
        if (size[0] != size[1] || size[0] < min || size[0] > max) {
            throw new Vil4jException("bench: --task segmentation takes a square --input between " + min + " and "
                    + max + ", got " + bench.input);
        }
        return size[0];
    }

    /** One JSON row a batch size; the rows printed as they come. */
    java.util.List<String> rows() {
        SegmentationConfig config = config();
        java.util.List<String> rows = new java.util.ArrayList<>();
        try (Ops ops = bench.deviceOptions.open(plugins)) {
            for (int batch : bench.batches) {
                String row = row(ops, config, batch);
                System.out.println(row);
                rows.add(row);
            }
        }
        return rows;
    }

    private String row(Ops ops, SegmentationConfig config, int batch) {
        VilConfig b = config.backbone();
        int side = b.height(), channels = b.channels(), classes = config.classes();
        SegmentationTrainer.Settings settings = new SegmentationTrainer.Settings(1, batch, 1e-3, 1e-5, 0, 0.05, 1,
                0, new JointAugmentation(1, 1, false, 0), SegmentationTraining.FMNIST_SCENES, 1);
        SegmentationTrainer trainer = new SegmentationTrainer(ops, plugins, config, settings,
                SegmentationModel.initialize(config, 0), "init");
        SegmentationModel model = trainer.model();
        model.prepare(side, side);
        float[] images = new float[batch * channels * side * side];
        int[] labels = new int[batch * side * side];
        SplittableRandom r = new SplittableRandom(batch);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) r.nextDouble(-1, 3);
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = r.nextInt(classes);
        }
        Runnable once = bench.train
                ? () -> trainer.step(images, labels, batch, 1e-4)
                : () -> SegmentationTrainer.predict(model, images, batch, side, side);
        BenchTiming timing = BenchTiming.of(ops, once, bench.warmup, bench.iterations, bench.profile);
        TransferStats moved = timing.moved();
        String what = bench.train ? "segmentation training step" : "segmentation forward";
        String profileJson = bench.profileOf(ops, what + ", batch " + batch);
        double median = timing.medianMs();
        long parameters = model.parameters().values().stream().mapToLong(t -> t.shape().size()).sum();
        String per = bench.train ? "step" : "forward";
        return String.format(Locale.ROOT, "{\"model\": \"%s\", \"task\": \"segmentation\", \"mode\": \"%s\", "
                        + "\"decoder\": \"%s\", \"decoder_channels\": %d, \"parameters\": %d, \"backend\": \"%s\", "
                        + "\"device\": \"%s\", \"batch\": %d, \"input\": \"%dx%d\", \"iterations\": %d, "
                        + "\"ms_median\": %.3f, \"ms_min\": %.3f, \"ms_max\": %.3f, \"images_per_s\": %.2f, "
                        + "\"bytes_in_per_%s\": %d, \"bytes_out_per_%s\": %d, \"launches_per_%s\": %d, "
                        + "\"peak_device_bytes\": %d%s}",
                bench.model, bench.train ? "train" : "forward", config.decoder(), config.channels(), parameters,
                ops.backendName(), ops.deviceName().replace("\"", "'"), batch, side, side, bench.iterations, median,
                timing.minMs(), timing.maxMs(), batch * 1000.0 / median, per, moved.bytesIn() / bench.iterations, per,
                moved.bytesOut() / bench.iterations, per, timing.launches() / bench.iterations, ops.peakDeviceBytes(),
                profileJson);
    }
}
