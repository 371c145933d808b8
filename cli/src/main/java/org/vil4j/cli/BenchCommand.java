package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.DeviceMemoryExhaustedException;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.training.data.Batch;
import org.vil4j.training.TrainingSettings;
import org.vil4j.training.Trainer;
import org.vil4j.training.StepMetrics;
import org.vil4j.training.OptimizerSettings;
import org.vil4j.training.BatchSource;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.TransferStats;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.MlstmMixer;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VisionLstm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Times whole forwards (upload, forward, download of the output) of a preset at several batch sizes, or with
 * {@code --train} whole training steps (upload, forward, loss, backward, AdamW update), and writes the figures as
 * JSON, with the device they came from and the bytes moved per forward or step.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Time forward passes (or training steps "
        + "with --train); write JSON.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "vil2-tiny", description = "preset (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", split = ",", defaultValue = "1", description = "batch sizes, e.g. 1,64")
    int[] batches;



    @Option(names = "--warmup", defaultValue = "2")
    int warmup;

    @Option(names = "--train", description = "time training steps instead of forwards (synthetic images and labels)")
    boolean train;

    @Option(names = "--recompute-activations", arity = "0..1", paramLabel = "WHEN", defaultValue = "auto",
            fallbackValue = "always", description = "with --train: recompute activations in the backward: always (the "
            + "option alone), never, or auto: once a step does not fit the device (default: auto)")
    String recompute;

    @Option(names = "--iterations", defaultValue = "5")
    int iterations;

    @Option(names = "--output", description = "JSON file to write (default: stdout only)")
    Path output;

    @Option(names = "--input", paramLabel = "HxW", description = "input size (default: the model's); the position "
            + "embedding is resized to it")
    String input;

    @Option(names = "--mlstm-form", paramLabel = "FORM", defaultValue = "auto", description = "auto (chunkwise from "
            + MlstmMixer.AUTO_CHUNKWISE_FROM + " tokens per image where the backend has it, parallel below), "
            + "parallel, chunkwise or recurrent (default: ${DEFAULT-VALUE})")
    String mlstmForm;

    @Option(names = "--chunk", defaultValue = "64", description = "tokens a chunk for the chunkwise form "
            + "(default: ${DEFAULT-VALUE})")
    int chunk;

    @Option(names = "--input-on-device", description = "upload the image batch once, outside the timed forwards or "
            + "training steps (as a framework whose input is already on the GPU); the output (training: the logits) "
            + "is still downloaded")
    boolean inputOnDevice;

    @Option(names = "--profile", description = "record each op kind's launches, time and achieved rate during the "
            + "as many iterations after the timed ones (each op then runs alone): a table on stderr, a \"profile\" "
            + "array in the JSON (device event times when the JVM runs with -Dcom.aparapi.enableProfiling=true, else "
            + "host times around each op's launch)")
    boolean profile;

    @Option(names = "--task", defaultValue = "classification", description = "classification, or segmentation: the "
            + "preset's backbone under a decoder (--decoder, --decoder-channels, --pyramid-scales, --feature-blocks) "
            + "at a square --input (default: 48), fmnist-scenes' 11 classes (default: ${DEFAULT-VALUE})")
    String task;

    @Mixin
    DecoderOptions decoderOptions = new DecoderOptions();

    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    private final Plugins plugins;

    @Inject
    BenchCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() throws IOException {
        BenchChecks.check(this, plugins);
        if (task.equals("segmentation")) {
            List<String> rows = new SegmentationBench(this, decoderOptions, plugins).rows();
            write(rows);
            return 0;
        }
        var plugin = BackbonePresets.find(plugins, model);
        if (plugin.isPresent()) {
            return benchBackbone(plugin.get().atInput(org.vil4j.training.model.WeightsFiles.parseSize(input)));
        }
        VilConfig config = TrainingPresets.get(model).model();
        List<String> rows = new ArrayList<>();
        RecomputeActivations when = RecomputeActivations.parse(recompute);
        if (train) {
            boolean failed = false;
            // --input and --mlstm-form hold for training steps too: the model trains at that size, in that form
            int[] size = inputSize(config);
            VilConfig trained = config.withInput(config.channels(), size[0], size[1]);
            try (Ops ops = deviceOptions.open(plugins)) {
                for (int batch : batches) {
                    try {
                        rows.add(trainRow(ops, trained, batch, when));
                    } catch (DeviceMemoryExhaustedException e) {
                        // the batches that fit keep their rows; this one says why it has none
                        failed = true;
                        rows.add(String.format(Locale.ROOT, "{\"model\": \"%s\", \"mode\": \"train\", "
                                        + "\"backend\": \"%s\", \"batch\": %d, \"error\": \"%s\"}", model,
                                ops.backendName(), batch, e.getMessage().replace("\"", "'")));
                        System.err.println("vil bench: batch " + batch + ": " + e.getMessage());
                    }
                    System.out.println(rows.get(rows.size() - 1));
                }
            }
            write(rows);
            return failed ? 1 : 0;
        }
        try (Ops ops = deviceOptions.open(plugins)) {
            VisionLstm vil = new VisionLstm(config, plugins, ops, VilInitializer.initialize(config, 0), "init");
            int[] size = inputSize(config);
            vil.prepare(size[0], size[1]);
            MlstmForm form = mlstmForm();
            if (form != null || chunk != MlstmMixer.DEFAULT_CHUNK) {
                vil.setMlstmForm(form, chunk);
            }
            for (int batch : batches) {
                Shape shape = Shape.of(batch, config.channels(), size[0], size[1]);
                float[] images = new float[shape.size()];
                SplittableRandom r = new SplittableRandom(batch);
                for (int i = 0; i < images.length; i++) {
                    images[i] = (float) r.nextDouble(-2, 2);
                }
                long inputMark = ops.mark();
                Tensor resident = inputOnDevice ? ops.upload(shape, images) : null;
                BenchTiming t = BenchTiming.of(ops, () -> once(ops, vil, shape, images, resident), warmup,
                        iterations, profile);
                TransferStats moved = t.moved();
                String profileJson = profileOf(ops, "forward, batch " + batch);
                ops.release(inputMark);
                double median = t.medianMs();
                String row = String.format(Locale.ROOT, "{\"model\": \"%s\", \"backend\": \"%s\", \"device\": \"%s\", "
                                + "\"batch\": %d, \"input\": \"%dx%d\", \"mlstm_form\": \"%s\", "
                                + "\"input_on_device\": %b, \"iterations\": %d, \"ms_median\": %.3f, \"ms_min\": %.3f, "
                                + "\"ms_max\": %.3f, \"images_per_s\": %.2f, \"bytes_in_per_forward\": %d, "
                                + "\"bytes_out_per_forward\": %d, \"other_bytes_per_forward\": %d, "
                                + "\"launches_per_forward\": %d, \"peak_device_bytes\": %d%s}",
                        model, ops.backendName(), ops.deviceName().replace("\"", "'"), batch, size[0], size[1],
                        mlstmForm, inputOnDevice, iterations,
                        median,
                        t.minMs(), t.maxMs(), batch * 1000.0 / median, moved.bytesIn() / iterations,
                        moved.bytesOut() / iterations, (moved.parameterBytes() + moved.setupBytes()) / iterations,
                        t.launches() / iterations, ops.peakDeviceBytes(), profileJson);
                System.out.println(row);
                rows.add(row);
            }
        }
        write(rows);
        return 0;
    }

    /** --input as {height, width} ("448" or "448x640"), or the model's own size. */
    int[] inputSize(VilConfig config) {
        if (input == null) {
            return new int[]{config.height(), config.width()};
        }
        String[] parts = input.trim().split("x", -1);
        try {
            int h = Integer.parseInt(parts[0]);
            int w = parts.length == 2 ? Integer.parseInt(parts[1]) : h;
            if (parts.length <= 2 && h > 0 && w > 0) {
                return new int[]{h, w};
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new Vil4jException("bench: --input " + input + " is not a size (224 or 224x320)");
    }

    /** --mlstm-form, or null for auto. */
    private MlstmForm mlstmForm() {
        if (chunk < 1) {
            throw new Vil4jException("bench: --chunk must be at least 1, got " + chunk);
        }
        if ("auto".equals(mlstmForm)) {
            return null;
        }
        try {
            return MlstmForm.parse(mlstmForm);
        } catch (IllegalArgumentException e) {
            throw new Vil4jException("bench: --mlstm-form " + mlstmForm + " is not one of auto, parallel, chunkwise, "
                    + "recurrent");
        }
    }

    private void write(List<String> rows) throws IOException {
        if (output != null) {
            Files.writeString(output, "[\n  " + String.join(",\n  ", rows) + "\n]\n");
        }
    }

    /** Median time of a training step on one synthetic batch, repeated (the optimiser still updates every step). */
    private String trainRow(Ops ops, VilConfig config, int batch, RecomputeActivations when) {
        Shape shape = Shape.of(batch, config.channels(), config.height(), config.width());
        float[] images = new float[shape.size()];
        int[] labels = new int[batch];
        SplittableRandom r = new SplittableRandom(batch);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) r.nextDouble(-2, 2);
        }
        for (int i = 0; i < batch; i++) {
            labels[i] = r.nextInt(config.numClasses());
        }
        // with --profile, as many profiled steps follow the timed ones (profiling runs each op alone)
        int steps = warmup + iterations * (profile ? 2 : 1);
        TrainingSettings settings = new TrainingSettings(1, batch, 1e-3, 1e-6, 0, 0, OptimizerSettings.adamw(0.05),
                0, false, 0, 0, 1, batch, 0);
        Trainer trainer = new Trainer(ops, plugins, config, settings, VilInitializer.initialize(config, 0), "init");
        if (inputOnDevice) {
            // the batch goes over once, before the first step, as torch_side.py's batch is made on the GPU
            trainer.trainOnResidentImages(images, ops.parameter(shape, images));
        }
        trainer.setRecomputeActivations(when == RecomputeActivations.ALWAYS);
        trainer.setRecomputeWhenMemoryRunsOut(when == RecomputeActivations.AUTO);
        MlstmForm form = mlstmForm();
        if (form != null || chunk != MlstmMixer.DEFAULT_CHUNK) {
            // the tape runs the backward in the forward's form (linear memory for chunkwise and recurrent)
            trainer.setMlstmForm(form, chunk);
        }
        BatchSource source = new BatchSource() {
            @Override
            public int batchesPerEpoch() {
                return steps;
            }

            @Override
            public int samplesPerEpoch() {
                return steps * batch;
            }

            @Override
            public Iterator<Batch> open(int epoch, int startBatch) {
                return java.util.stream.IntStream.range(startBatch, steps).mapToObj(i -> new Batch(images, labels,
                        batch, config.channels(), config.height(), config.width(), epoch, i)).iterator();
            }
        };
        BatchSource none = new BatchSource() {
            @Override
            public int batchesPerEpoch() {
                return 0;
            }

            @Override
            public int samplesPerEpoch() {
                return 0;
            }

            @Override
            public Iterator<Batch> open(int epoch, int startBatch) {
                return java.util.Collections.emptyIterator();
            }
        };
        double[] ms = new double[iterations];
        TransferStats[] before = new TransferStats[1];
        TransferStats[] moved = new TransferStats[1];
        long[] launchesBefore = new long[1];
        long[] launchCount = new long[1];
        long[] last = {System.nanoTime()};
        trainer.run(source, none, null, new Trainer.Listener() {
            @Override
            public void step(StepMetrics m) {
                long now = System.nanoTime();
                int index = (int) m.step() - 1 - warmup;
                if (index >= 0 && index < iterations) {
                    ms[index] = (now - last[0]) / 1e6;
                } else if (index == -1) {
                    before[0] = ops.transfers();
                    launchesBefore[0] = ops.kernelLaunches();
                }
                if (index == iterations - 1) {
                    moved[0] = ops.transfers().minus(before[0] == null ? TransferStats.NONE : before[0]);
                    launchCount[0] = ops.kernelLaunches() - launchesBefore[0];
                    ops.setProfiling(profile);
                }
                last[0] = now;
            }
        });
        long launches = launchCount[0];
        String profileJson = profileOf(ops, "training step, batch " + batch);
        Arrays.sort(ms);
        double median = ms[ms.length / 2];
        return String.format(Locale.ROOT, "{\"model\": \"%s\", \"mode\": \"train%s\", \"backend\": \"%s\", "
                        + "\"device\": \"%s\", \"batch\": %d, \"input\": \"%dx%d\", \"mlstm_form\": \"%s\", "
                        + "\"input_on_device\": %b, \"iterations\": %d, \"ms_median\": %.3f, "
                        + "\"ms_min\": %.3f, \"ms_max\": %.3f, \"images_per_s\": %.2f, \"bytes_in_per_step\": %d, "
                        + "\"bytes_out_per_step\": %d, \"launches_per_step\": %d, \"peak_device_bytes\": %d%s}",
                model, trainer.recomputesActivations() ? " (recomputed activations)" : "", ops.backendName(),
                ops.deviceName().replace("\"", "'"), batch, config.height(), config.width(), mlstmForm,
                inputOnDevice, iterations, median, ms[0], ms[ms.length - 1],
                batch * 1000.0 / median, moved[0].bytesIn() / iterations, moved[0].bytesOut() / iterations,
                launches / iterations, ops.peakDeviceBytes(), profileJson);
    }

    /** The profile of the timed iterations (table to stderr), as a JSON member; profiling is switched off. */
    String profileOf(Ops ops, String title) {
        if (!profile) {
            return "";
        }
        ProfileReport report = new ProfileReport(ops.profile(), iterations);
        ops.setProfiling(false);
        System.err.print(report.table(title + " on " + ops.deviceName()));
        return ", \"profile\": " + report.json();
    }

    /** One forward of the images, or of {@code resident} (already on the device) when not null. */
    /** Forwards of a backbone plugin's preset (fresh weights), timed as the ViL's. */
    private int benchBackbone(BackbonePresets.Found found) throws IOException {
        List<String> rows = new ArrayList<>();
        int[] in = found.input();
        try (Ops ops = deviceOptions.open(plugins)) {
            org.vil4j.api.BackboneModel m = found.backbone().create(found.spec(), plugins, ops,
                    found.backbone().initialize(found.spec(), plugins, 0), "init");
            for (int batch : batches) {
                Shape shape = Shape.of(batch, in[0], in[1], in[2]);
                float[] images = new float[shape.size()];
                SplittableRandom r = new SplittableRandom(batch);
                for (int i = 0; i < images.length; i++) {
                    images[i] = (float) r.nextDouble(-2, 2);
                }
                long inputMark = ops.mark();
                Tensor resident = inputOnDevice ? ops.upload(shape, images) : null;
                Runnable forward = () -> {
                    long mark = ops.mark();
                    try {
                        ops.download(m.forward(resident != null ? resident : ops.upload(shape, images), (n, t) -> { }));
                    } finally {
                        ops.release(mark);
                    }
                };
                BenchTiming t = BenchTiming.of(ops, forward, warmup, iterations, false);
                TransferStats moved = t.moved();
                ops.release(inputMark);
                double median = t.medianMs();
                String row = String.format(Locale.ROOT, "{\"model\": \"%s\", \"backbone\": \"%s\", \"backend\": "
                                + "\"%s\", \"device\": \"%s\", \"batch\": %d, \"input\": \"%dx%d\", "
                                + "\"input_on_device\": %b, \"iterations\": %d, \"ms_median\": %.3f, \"ms_min\": %.3f, "
                                + "\"ms_max\": %.3f, \"images_per_s\": %.2f, \"bytes_in_per_forward\": %d, "
                                + "\"bytes_out_per_forward\": %d, \"launches_per_forward\": %d, "
                                + "\"peak_device_bytes\": %d}",
                        model, found.backbone().name(), ops.backendName(), ops.deviceName().replace("\"", "'"),
                        batch, in[1], in[2], inputOnDevice, iterations, median, t.minMs(), t.maxMs(),
                        batch * 1000.0 / median, moved.bytesIn() / iterations, moved.bytesOut() / iterations,
                        t.launches() / iterations, ops.peakDeviceBytes());
                System.out.println(row);
                rows.add(row);
            }
        }
        write(rows);
        return 0;
    }

    private static void once(Ops ops, VisionLstm vil, Shape shape, float[] images, Tensor resident) {
        long mark = ops.mark();
        try {
            Tensor out = vil.forward(resident != null ? resident : ops.upload(shape, images), ActivationSink.NONE);
            ops.download(out);
        } finally {
            ops.release(mark);
        }
    }
}
