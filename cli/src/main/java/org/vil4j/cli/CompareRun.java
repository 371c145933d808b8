package org.vil4j.cli;

import org.vil4j.formats.json.JsonNumber;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One finished training run of {@code vil compare}: which spec and seed, the exact {@code vil train} arguments, and
 * what it measured (from the run's metrics.jsonl: the last epoch's test accuracy, training throughput over all
 * epochs, time spent training and evaluating).
 *
 * @param imagesPerSecond training images over training seconds, all epochs together
 * @param seconds         training and evaluation time of all epochs (model building and data loading excluded)
 */
record CompareRun(String spec, long seed, List<String> args, int epochs, double testAccuracy, double testLoss,
                  double trainAccuracy, long parameters, double imagesPerSecond, double seconds, String device,
                  String backend) {
    CompareRun {
        args = List.copyOf(args);
    }

    /** The run's results from the epoch lines of its metrics.jsonl. */
    static CompareRun measured(CompareSpec spec, long seed, List<String> args, TrainCommand.Outcome outcome) {
        Path metrics = outcome.out().resolve(TrainCommand.METRICS);
        List<Map<?, ?>> epochs = RunMetrics.epochLines(metrics);
        if (epochs.isEmpty()) {
            throw new org.vil4j.api.Vil4jException(metrics + ": the run " + spec.name() + " seed " + seed
                    + " finished no epoch");
        }
        Map<?, ?> last = epochs.get(epochs.size() - 1);
        double images = 0;
        double trainSeconds = 0;
        double seconds = 0;
        for (Map<?, ?> e : epochs) {
            double s = RunMetrics.number(e, "train_seconds");
            images += RunMetrics.number(e, "images_per_second") * s;
            trainSeconds += s;
            seconds += s + RunMetrics.number(e, "eval_seconds");
        }
        return new CompareRun(spec.name(), seed, args, epochs.size(), RunMetrics.number(last, "test_accuracy"),
                RunMetrics.number(last, "test_loss"), RunMetrics.number(last, "train_accuracy"), outcome.parameters(),
                images / trainSeconds, seconds, outcome.device(), outcome.backend());
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", spec);
        m.put("seed", seed);
        m.put("args", args);
        m.put("epochs", epochs);
        m.put("test_accuracy", testAccuracy);
        m.put("test_loss", testLoss);
        m.put("train_accuracy", trainAccuracy);
        m.put("parameters", parameters);
        m.put("images_per_second", imagesPerSecond);
        m.put("seconds", seconds);
        m.put("device", device);
        m.put("backend", backend);
        return m;
    }

    /**
     * A run as {@link #toJson} wrote it.
     *
     * @throws ClassCastException or NullPointerException when a field is missing or of another type
     */
    static CompareRun fromJson(Map<?, ?> m) {
        List<String> args = ((List<?>) m.get("args")).stream().map(a -> (String) a).toList();
        return new CompareRun((String) m.get("spec"), integer(m, "seed"), args, (int) integer(m, "epochs"),
                number(m, "test_accuracy"), number(m, "test_loss"), number(m, "train_accuracy"),
                integer(m, "parameters"), number(m, "images_per_second"), number(m, "seconds"),
                (String) m.get("device"), (String) m.get("backend"));
    }

    private static double number(Map<?, ?> m, String key) {
        return Double.parseDouble(((JsonNumber) m.get(key)).literal());
    }

    private static long integer(Map<?, ?> m, String key) {
        return ((JsonNumber) m.get(key)).longValueExact();
    }
}
