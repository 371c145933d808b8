package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonNumber;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A run's metrics.jsonl read back: the epoch lines as curve points, the time spent, the table and the plot. */
final class RunMetrics {
    private RunMetrics() {
    }

    /**
     * The picture is a convenience: a JVM without fonts (a trimmed runtime, a bare container) fails inside AWT, and
     * that must not turn a finished run into an error; metrics.jsonl holds the same numbers.
     */
    static void drawCurves(Path file, List<CurvesPlot.Point> history, String title) {
        try {
            CurvesPlot.write(file, history, title);
        } catch (RuntimeException | LinkageError | InternalError e) {
            System.err.println("vil: " + file.getFileName() + " not drawn (" + e + "); metrics.jsonl holds the curves");
        }
    }

    static Map<?, ?> parse(String line) {
        try {
            return line.isBlank() ? null : StrictJsonParser.parse(line) instanceof Map<?, ?> m ? m : null;
        } catch (JsonSyntaxException e) {
            return null;
        }
    }

    static double number(Map<?, ?> m, String key) {
        return m.get(key) instanceof JsonNumber n ? Double.parseDouble(n.literal()) : Double.NaN;
    }

    static List<Map<?, ?>> epochLines(Path file) {
        List<Map<?, ?>> lines = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                Map<?, ?> m = parse(line);
                if (m != null && "epoch".equals(m.get("kind"))) {
                    lines.add(m);
                }
            }
        } catch (IOException e) {
            throw new Vil4jException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return lines;
    }

    /** Every epoch of the run so far, from metrics.jsonl (so a resumed run's table covers the earlier epochs). */
    static List<CurvesPlot.Point> epochs(Path file) {
        return epochLines(file).stream().map(m -> new CurvesPlot.Point((int) number(m, "epoch"),
                number(m, "train_loss"), number(m, "train_accuracy"), number(m, "test_loss"),
                number(m, "test_accuracy"))).toList();
    }

    static double seconds(Path file) {
        return epochLines(file).stream().mapToDouble(m -> number(m, "train_seconds") + number(m, "eval_seconds"))
                .sum();
    }

    static void printTable(PrintStream log, List<CurvesPlot.Point> history) {
        if (history.isEmpty()) {
            return;
        }
        String rule = "+-------+------------+-----------+-----------+----------+";
        log.println(rule);
        log.println("| epoch | train loss | train acc | test loss | test acc |");
        log.println(rule);
        for (CurvesPlot.Point p : history) {
            log.printf(Locale.ROOT, "| %5d | %10.4f | %8.2f%% | %9.4f | %7.2f%% |%n", p.epoch(), p.trainLoss(),
                    100 * p.trainAccuracy(), p.testLoss(), 100 * p.testAccuracy());
        }
        log.println(rule);
    }
}
