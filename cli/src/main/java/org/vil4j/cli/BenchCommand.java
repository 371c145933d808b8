package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.TransferStats;
import org.vil4j.vil.ActivationSink;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;
import org.vil4j.vil.VilPresets;
import org.vil4j.vil.VisionLstm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Times whole forwards (upload, forward, download of the output) of a preset at several batch sizes and writes the
 * figures as JSON, with the device they came from and the bytes moved per forward.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Time forward passes; write JSON.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "vil2-tiny", description = "preset (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", split = ",", defaultValue = "1", description = "batch sizes, e.g. 1,64")
    int[] batches;



    @Option(names = "--warmup", defaultValue = "2")
    int warmup;

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
        VilConfig config = VilPresets.get(model);
        List<String> rows = new ArrayList<>();
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
                for (int i = 0; i < iterations; i++) {
                    long t0 = System.nanoTime();
                    once(ops, vil, shape, images);
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                TransferStats moved = ops.transfers().minus(before);
                Arrays.sort(ms);
                double median = ms[ms.length / 2];
                String row = String.format(Locale.ROOT, "{\"model\": \"%s\", \"backend\": \"%s\", \"device\": \"%s\", "
                                + "\"batch\": %d, \"iterations\": %d, \"ms_median\": %.3f, \"ms_min\": %.3f, "
                                + "\"ms_max\": %.3f, \"images_per_s\": %.2f, \"bytes_in_per_forward\": %d, "
                                + "\"bytes_out_per_forward\": %d, \"other_bytes_per_forward\": %d}",
                        model, ops.backendName(), ops.deviceName().replace("\"", "'"), batch, iterations, median,
                        ms[0], ms[ms.length - 1], batch * 1000.0 / median, moved.bytesIn() / iterations,
                        moved.bytesOut() / iterations, (moved.parameterBytes() + moved.setupBytes()) / iterations);
                System.out.println(row);
                rows.add(row);
            }
        }
        if (output != null) {
            Files.writeString(output, "[\n  " + String.join(",\n  ", rows) + "\n]\n");
        }
        return 0;
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
