package org.vil4j.cli;

import jakarta.inject.Inject;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.DeviceMemoryExhaustedException;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.api.Vil4jException;
import org.vil4j.api.autodiff.CrossEntropy;
import org.vil4j.api.autodiff.GradientTape;
import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.JsonText;
import org.vil4j.formats.json.StrictJsonParser;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Time and peak device memory of a model's forward (or forward and backward) against the number of tokens, for
 * each mLSTM form: the input sizes are the token grids at the model's patch size, batch 1 by default. Every point
 * runs on a freshly opened backend, so its peak is its own.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, description = "Time and peak memory of each mLSTM form "
        + "against the token count (input sizes at the model's patch size); writes JSON and a PNG plot.")
final class SweepCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "vil2-tiny", description = "preset (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--tokens", split = ",", defaultValue = "196,784,1024,3136,4096,12544,16384",
            description = "token counts per image; each becomes the most nearly square grid of that many patches "
                    + "(default: ${DEFAULT-VALUE})")
    int[] tokens;

    @Option(names = "--mlstm-form", split = ",", defaultValue = "parallel,chunkwise,recurrent",
            description = "forms to measure (default: ${DEFAULT-VALUE})")
    String[] forms;

    @Option(names = "--chunk", defaultValue = "64", description = "tokens a chunk in the chunkwise form "
            + "(default: ${DEFAULT-VALUE})")
    int chunk;

    @Option(names = "--batch", defaultValue = "1", description = "images a forward (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--train", description = "time forward and backward (cross-entropy, every gradient) instead of "
            + "the forward alone")
    boolean train;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed runs at each point (default: "
            + "${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--iterations", defaultValue = "3", description = "timed runs at each point; the median is "
            + "reported (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--max-seconds", defaultValue = "180", description = "skip a point whose run is expected to "
            + "take longer (from the form's previous point: quadratic growth for parallel, linear for the others) "
            + "(default: ${DEFAULT-VALUE})")
    double maxSeconds;

    @Option(names = "--replot", description = "draw the plot of a sweep JSON written before (no measuring)")
    Path replot;

    @Option(names = "--output", defaultValue = "sweep.json", description = "JSON file (default: ${DEFAULT-VALUE})")
    Path output;

    @Option(names = "--plot", description = "PNG file (default: the JSON file's name with .png)")
    Path plot;

    @Mixin
    DeviceOptions deviceOptions = new DeviceOptions();

    private final Plugins plugins;

    @Inject
    SweepCommand(Plugins plugins) {
        this.plugins = plugins;
    }

    /** One measured (or skipped) point. */
    record Point(MlstmForm form, int tokens, int height, int width, double msMedian, double msMin,
                 double cpuMsMedian, long peakBytes, String skipped) {
        boolean measured() {
            return skipped == null;
        }
    }

    @Override
    public Integer call() throws IOException {
        if (replot != null) {
            return replot();
        }
        VilConfig config = TrainingPresets.get(model).model();
        List<MlstmForm> chosen = parseForms();
        check(config);
        Path plotFile = plot != null ? plot : Path.of(output.toString().replaceFirst("\\.json$", "") + ".png");
        List<Point> points = new ArrayList<>();
        String backend = "";
        String device = "";
        for (MlstmForm form : chosen) {
            Point previous = null;
            for (int t : tokens) {
                int[] grid = grid(t);
                int height = (grid[0] - 1) * config.stride() + config.patchSize();
                int width = (grid[1] - 1) * config.stride() + config.patchSize();
                if (previous != null && previous.measured()) {
                    double growth = (double) t / previous.tokens();
                    double expected = previous.msMedian() / 1e3 * (form == MlstmForm.PARALLEL ? growth * growth
                            : growth) * (warmup + iterations);
                    if (expected > maxSeconds) {
                        String why = String.format(Locale.ROOT, "expected %.0f s for %d runs, over --max-seconds "
                                + "%.0f", expected, warmup + iterations, maxSeconds);
                        points.add(new Point(form, t, height, width, 0, 0, 0, 0, why));
                        System.out.printf(Locale.ROOT, "%-9s %6d tokens (%dx%d): skipped, %s%n", form.id(), t,
                                height, width, why);
                        continue;
                    }
                }
                try (Ops ops = deviceOptions.open(plugins)) {
                    if (!ops.hasMlstmForm(form)) {
                        throw new Vil4jException("--mlstm-form " + form.id() + ": the " + ops.backendName()
                                + " backend does not compute the mLSTM in this form");
                    }
                    backend = ops.backendName();
                    device = ops.deviceName();
                    previous = measure(ops, config, form, t, height, width);
                } catch (DeviceMemoryExhaustedException e) {
                    // the point does not fit this device: said in the table, and the sweep goes on
                    String why = "does not fit: " + e.getMessage();
                    points.add(new Point(form, t, height, width, 0, 0, 0, 0, why));
                    System.out.printf(Locale.ROOT, "%-9s %6d tokens (%dx%d): skipped, %s%n", form.id(), t, height,
                            width, why);
                    previous = points.get(points.size() - 1);
                    continue;
                }
                points.add(previous);
                System.out.printf(Locale.ROOT, "%-9s %6d tokens (%dx%d): %10.1f ms (min %.1f; %.1f CPU ms), peak "
                        + "%.1f MiB%n", form.id(), t, height, width, previous.msMedian(), previous.msMin(),
                        previous.cpuMsMedian(), previous.peakBytes() / 1048576.0);
            }
        }
        Files.writeString(output, json(points, backend, device));
        System.out.println("wrote " + output);
        draw(plotFile, points, title(model, train ? "forward+backward" : "forward", batch, backend, device), output);
        return 0;
    }

    /** The plot, or one line saying why there is none (a Java runtime without fonts cannot draw text). */
    private static void draw(Path plotFile, List<Point> points, String title, Path json) {
        try {
            SweepPlot.write(plotFile, points, title);
            System.out.println("wrote " + plotFile);
        } catch (RuntimeException | Error e) {
            System.err.println("vil: sweep: no plot (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); draw it where Java has fonts: vil sweep --replot " + json);
        }
    }

    /** Draws the plot of a sweep JSON this command wrote (on another machine, say). */
    private int replot() {
        Map<?, ?> sweep;
        List<Point> points = new ArrayList<>();
        try {
            sweep = (Map<?, ?>) StrictJsonParser.parse(Files.readString(replot));
            for (Object o : (List<?>) sweep.get("points")) {
                Map<?, ?> p = (Map<?, ?>) o;
                MlstmForm form = MlstmForm.parse((String) p.get("mlstm_form"));
                int tokens = (int) number(p, "tokens");
                String[] size = ((String) p.get("input")).split("x");
                int h = Integer.parseInt(size[0]), w = Integer.parseInt(size[1]);
                points.add(p.containsKey("skipped")
                        ? new Point(form, tokens, h, w, 0, 0, 0, 0, (String) p.get("skipped"))
                        : new Point(form, tokens, h, w, number(p, "ms_median"), number(p, "ms_min"),
                        number(p, "process_cpu_ms_median"), (long) number(p, "peak_device_bytes"), null));
            }
        } catch (IOException e) {
            throw new Vil4jException("--replot " + replot + ": cannot read it (" + e.getMessage() + ")");
        } catch (JsonSyntaxException | ClassCastException | NullPointerException | IllegalArgumentException
                 | ArrayIndexOutOfBoundsException e) {
            throw new Vil4jException("--replot " + replot + ": not a vil sweep JSON file (" + e.getMessage() + ")");
        }
        if (points.isEmpty()) {
            throw new Vil4jException("--replot " + replot + ": no points in it");
        }
        Path file = plot != null ? plot : Path.of(replot.toString().replaceFirst("\\.json$", "") + ".png");
        draw(file, points, title(sweep.get("model"), sweep.get("mode"), sweep.get("batch"), sweep.get("backend"),
                sweep.get("device")), replot);
        return 0;
    }

    /** A number field of a point; a missing or non-numeric one fails as a file that is not a sweep. */
    private static double number(Map<?, ?> point, String key) {
        return Double.parseDouble(((JsonNumber) point.get(key)).literal());
    }

    private static String title(Object model, Object mode, Object batch, Object backend, Object device) {
        return String.format(Locale.ROOT, "%s %s, batch %s, %s on %s", model, mode, batch, backend, device);
    }

    private Point measure(Ops ops, VilConfig config, MlstmForm form, int t, int height, int width) {
        // the model's own weights, resized to the grid: the values do not change the cost
        java.util.Map<String, org.vil4j.api.HostTensor> weights = VilInitializer.initialize(config, 0);
        GradientTape tape = train ? new GradientTape(ops) : null;
        Ops on = train ? tape : ops;
        VisionLstm vil = new VisionLstm(config, plugins, on, weights, "init");
        vil.prepare(height, width);
        vil.setMlstmForm(form, chunk);
        Shape shape = Shape.of(batch, config.channels(), height, width);
        float[] images = new float[shape.size()];
        SplittableRandom random = new SplittableRandom(t);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextDouble(-2, 2);
        }
        int[] labels = new int[batch];
        double[] ms = new double[iterations];
        double[] cpuMs = new double[iterations];
        for (int i = 0; i < warmup + iterations; i++) {
            long start = System.nanoTime();
            long cpuStart = cpuNanos();
            if (train) {
                tape.begin();
                try {
                    Tensor out = vil.forward(tape.upload(shape, images), ActivationSink.NONE);
                    CrossEntropy.Result loss = CrossEntropy.of(tape.download(out), labels, out.shape().last(), 0);
                    tape.backward(out, tape.upload(out.shape(), loss.gradient()));
                } finally {
                    tape.end();
                }
            } else {
                long mark = ops.mark();
                try {
                    ops.download(vil.forward(ops.upload(shape, images), ActivationSink.NONE));
                } finally {
                    ops.release(mark);
                }
            }
            if (i >= warmup) {
                ms[i - warmup] = (System.nanoTime() - start) / 1e6;
                cpuMs[i - warmup] = (cpuNanos() - cpuStart) / 1e6;
            }
        }
        Arrays.sort(ms);
        Arrays.sort(cpuMs);
        return new Point(form, t, height, width, ms[ms.length / 2], ms[0], cpuMs[cpuMs.length / 2],
                ops.peakDeviceBytes(), null);
    }

    /**
     * CPU time of this process so far (every thread: the Java backend's workers, GC, JIT), or -1 where the platform
     * does not say: on a shared machine less disturbed by other processes than the wall time.
     */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    /** The most nearly square h x w with h * w = tokens (h <= w). */
    static int[] grid(int tokens) {
        int h = (int) Math.floor(Math.sqrt(tokens));
        while (tokens % h != 0) {
            h--;
        }
        return new int[]{h, tokens / h};
    }

    private List<MlstmForm> parseForms() {
        List<MlstmForm> out = new ArrayList<>();
        for (String f : forms) {
            try {
                out.add(MlstmForm.parse(f.trim()));
            } catch (IllegalArgumentException e) {
                throw new Vil4jException("--mlstm-form " + f + " is not one of parallel, chunkwise, recurrent");
            }
        }
        return out;
    }

    private void check(VilConfig config) {
        if (tokens == null || tokens.length == 0) {
            throw new Vil4jException("--tokens needs at least one token count");
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 1 || i > 0 && tokens[i] <= tokens[i - 1]) {
                throw new Vil4jException("--tokens must be positive and increasing, got " + Arrays.toString(tokens));
            }
        }
        if (chunk < 1) {
            throw new Vil4jException("--chunk must be at least 1, got " + chunk);
        }
        if (batch < 1) {
            throw new Vil4jException("--batch must be at least 1, got " + batch);
        }
        if (warmup < 0 || iterations < 1) {
            throw new Vil4jException("--warmup must be >= 0 and --iterations >= 1");
        }
        if (!(maxSeconds > 0)) {
            throw new Vil4jException("--max-seconds must be positive, got " + maxSeconds);
        }
        if (!org.vil4j.vil.MlstmMixer.NAME.equals(config.mixer())) {
            throw new Vil4jException("--model " + model + " has the mixer '" + config.mixer() + "', not the mLSTM");
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new Vil4jException("--output " + output + ": the folder " + parent + " does not exist");
        }
    }

    private String json(List<Point> points, String backend, String device) {
        StringBuilder b = new StringBuilder();
        b.append("{\"model\": ").append(JsonText.quote(model)).append(", \"mode\": \"")
                .append(train ? "forward+backward" : "forward").append("\", \"backend\": ")
                .append(JsonText.quote(backend)).append(", \"device\": ").append(JsonText.quote(device))
                .append(", \"batch\": ").append(batch).append(", \"chunk\": ").append(chunk)
                .append(", \"warmup\": ").append(warmup).append(", \"iterations\": ").append(iterations)
                .append(", \"points\": [");
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            b.append(i == 0 ? "\n  " : ",\n  ").append(String.format(Locale.ROOT, "{\"mlstm_form\": \"%s\", "
                    + "\"tokens\": %d, \"input\": \"%dx%d\"", p.form().id(), p.tokens(), p.height(), p.width()));
            if (p.measured()) {
                b.append(String.format(Locale.ROOT, ", \"ms_median\": %.3f, \"ms_min\": %.3f, "
                        + "\"process_cpu_ms_median\": %.1f, \"peak_device_bytes\": %d}", p.msMedian(), p.msMin(),
                        p.cpuMsMedian(), p.peakBytes()));
            } else {
                b.append(", \"skipped\": ").append(JsonText.quote(p.skipped())).append('}');
            }
        }
        return b.append("\n]}\n").toString();
    }
}
