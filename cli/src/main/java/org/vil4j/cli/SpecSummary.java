package org.vil4j.cli;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One spec of {@code vil compare} over its seeds: test accuracy mean and sample standard deviation (n - 1: the
 * seeds are a sample of the runs the recipe could give; NaN for a single run), its range, and the spec's size,
 * throughput, devices and time.
 *
 * @param imagesPerSecond the mean of the runs' training throughputs
 * @param seconds         all runs' training and evaluation time together
 */
record SpecSummary(String spec, int runs, double accuracyMean, double accuracyStd, double accuracyMin,
                   double accuracyMax, List<Double> accuracies, long parameters, double imagesPerSecond,
                   double seconds, Set<String> devices) {
    SpecSummary {
        accuracies = List.copyOf(accuracies);
        devices = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(devices));
    }

    /** The summary of {@code runs}, all of spec {@code spec} (at least one), in seed order as given. */
    static SpecSummary of(String spec, List<CompareRun> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs of spec " + spec);
        }
        double[] acc = runs.stream().mapToDouble(CompareRun::testAccuracy).toArray();
        Set<String> devices = new LinkedHashSet<>();
        runs.forEach(r -> devices.add(r.backend() + ": " + r.device()));
        return new SpecSummary(spec, runs.size(), mean(acc), sampleStd(acc),
                java.util.Arrays.stream(acc).min().orElseThrow(), java.util.Arrays.stream(acc).max().orElseThrow(),
                java.util.Arrays.stream(acc).boxed().toList(), runs.get(0).parameters(),
                mean(runs.stream().mapToDouble(CompareRun::imagesPerSecond).toArray()),
                runs.stream().mapToDouble(CompareRun::seconds).sum(), devices);
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** The sample standard deviation (Bessel's n - 1), NaN below two values. */
    static double sampleStd(double[] values) {
        if (values.length < 2) {
            return Double.NaN;
        }
        double m = mean(values);
        double squares = 0;
        for (double v : values) {
            squares += (v - m) * (v - m);
        }
        return Math.sqrt(squares / (values.length - 1));
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", spec);
        m.put("runs", runs);
        m.put("test_accuracy_mean", accuracyMean);
        m.put("test_accuracy_std", accuracyStd);
        m.put("test_accuracy_min", accuracyMin);
        m.put("test_accuracy_max", accuracyMax);
        m.put("parameters", parameters);
        m.put("images_per_second", imagesPerSecond);
        m.put("seconds", seconds);
        m.put("devices", List.copyOf(devices));
        return m;
    }
}
