package org.vil4j.cli;

import jakarta.inject.Inject;
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

    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    private final Plugins plugins;

    @Inject
    BenchCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    @Override
    public Integer call() throws IOException {
        BenchChecks.check(this);
        VilConfig config = TrainingPresets.get(model).model();
        List<String> rows = new ArrayList<>();
        if (warmup < 0 || iterations < 1) {
            throw new Vil4jException("bench: --warmup must be >= 0 and --iterations >= 1");
        }
        RecomputeActivations when = RecomputeActivations.parse(recompute);
        if (train) {
            try (Ops ops = deviceOptions.open(plugins)) {
                for (int batch : batches) {
                    rows.add(trainRow(ops, config, batch, when));
                    System.out.println(rows.get(rows.size() - 1));
                }
            }
            write(rows);
            return 0;
        }
        try (Ops ops = deviceOptions.open(plugins)) {
            VisionLstm vil = new VisionLstm(config, plugins, ops, VilInitializer.initialize(config, 0), "init");
            for (int batch : batches) {
                Shape shape = Shape.of(batch, config.channels(), config.height(), config.width());
                float[] images = new float[shape.size()];
                SplittableRandom r = new SplittableRandom(batch);
                for (int i = 0; i < images.length; i++) {
                    images[i] = (float) r.nextDouble(-2, 2);
                }
                for (int i = 0; i < warmup; i++) {
                    once(ops, vil, shape, images);
                }
                double[] ms = new double[iterations];
                TransferStats before = ops.transfers();
                long launchesBefore = ops.kernelLaunches();
                for (int i = 0; i < iterations; i++) {
                    long t0 = System.nanoTime();
                    once(ops, vil, shape, images);
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                TransferStats moved = ops.transfers().minus(before);
                long launches = ops.kernelLaunches() - launchesBefore;
                Arrays.sort(ms);
                double median = ms[ms.length / 2];
                String row = String.format(Locale.ROOT, "{\"model\": \"%s\", \"backend\": \"%s\", \"device\": \"%s\", "
                                + "\"batch\": %d, \"iterations\": %d, \"ms_median\": %.3f, \"ms_min\": %.3f, "
                                + "\"ms_max\": %.3f, \"images_per_s\": %.2f, \"bytes_in_per_forward\": %d, "
                                + "\"bytes_out_per_forward\": %d, \"other_bytes_per_forward\": %d, "
                                + "\"launches_per_forward\": %d}",
                        model, ops.backendName(), ops.deviceName().replace("\"", "'"), batch, iterations, median,
                        ms[0], ms[ms.length - 1], batch * 1000.0 / median, moved.bytesIn() / iterations,
                        moved.bytesOut() / iterations, (moved.parameterBytes() + moved.setupBytes()) / iterations,
                        launches / iterations);
                System.out.println(row);
                rows.add(row);
            }
        }
        write(rows);
        return 0;
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
        int steps = warmup + iterations;
        TrainingSettings settings = new TrainingSettings(1, batch, 1e-3, 1e-6, 0, 0, OptimizerSettings.adamw(0.05),
                0, false, 0, 0, 1, batch, 0);
        Trainer trainer = new Trainer(ops, plugins, config, settings, VilInitializer.initialize(config, 0), "init");
        trainer.setRecomputeActivations(when == RecomputeActivations.ALWAYS);
        trainer.setRecomputeWhenMemoryRunsOut(when == RecomputeActivations.AUTO);
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
        long[] launchesBefore = new long[1];
        long[] last = {System.nanoTime()};
        trainer.run(source, none, null, new Trainer.Listener() {
            @Override
            public void step(StepMetrics m) {
                long now = System.nanoTime();
                int index = (int) m.step() - 1 - warmup;
                if (index >= 0) {
                    ms[index] = (now - last[0]) / 1e6;
                } else if (index == -1) {
                    before[0] = ops.transfers();
                    launchesBefore[0] = ops.kernelLaunches();
                }
                last[0] = now;
            }
        });
        TransferStats moved = ops.transfers().minus(before[0] == null ? TransferStats.NONE : before[0]);
        long launches = ops.kernelLaunches() - launchesBefore[0];
        Arrays.sort(ms);
        double median = ms[ms.length / 2];
        return String.format(Locale.ROOT, "{\"model\": \"%s\", \"mode\": \"train%s\", \"backend\": \"%s\", "
                        + "\"device\": \"%s\", \"batch\": %d, \"iterations\": %d, \"ms_median\": %.3f, "
                        + "\"ms_min\": %.3f, \"ms_max\": %.3f, \"images_per_s\": %.2f, \"bytes_in_per_step\": %d, "
                        + "\"bytes_out_per_step\": %d, \"launches_per_step\": %d}",
                model, trainer.recomputesActivations() ? " (recomputed activations)" : "", ops.backendName(),
                ops.deviceName().replace("\"", "'"), batch, iterations, median, ms[0], ms[ms.length - 1],
                batch * 1000.0 / median, moved.bytesIn() / iterations, moved.bytesOut() / iterations,
                launches / iterations);
    }

    private static void once(Ops ops, VisionLstm vil, Shape shape, float[] images) {
        long mark = ops.mark();
        try {
            Tensor out = vil.forward(ops.upload(shape, images), ActivationSink.NONE);
            ops.download(out);
        } finally {
            ops.release(mark);
        }
    }
}
