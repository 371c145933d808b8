package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.formats.json.JsonSyntaxException;
import org.vil4j.formats.json.StrictJsonParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Draws a run's curves.png again from its metrics.jsonl: a run on a headless GPU server whose trimmed runtime has no
 * fonts finishes without the picture, and its folder can be plotted on any other machine.
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Print a training run's epoch table and draw its curves.png from RUN/metrics.jsonl.")
final class PlotCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN", description = "a folder written by 'vil train'")
    Path run;

    @Option(names = "--output", paramLabel = "FILE", description = "the PNG to write (default: RUN/curves.png)")
    Path output;

    @Override
    public Integer call() {
        Path metrics = run.resolve(TrainCommand.METRICS);
        if (!Files.isRegularFile(metrics)) {
            throw new Vil4jException(run + " holds no " + TrainCommand.METRICS + ": not a 'vil train' output folder");
        }
        List<CurvesPlot.Point> history = RunMetrics.epochs(metrics);
        if (history.isEmpty()) {
            throw new Vil4jException(metrics + " has no epoch lines yet: nothing to plot");
        }
        RunMetrics.printTable(System.out, history);
        Path file = output != null ? output : run.resolve(TrainCommand.CURVES);
        CurvesPlot.write(file, history, title());
        System.out.println("wrote " + file);
        return 0;
    }

    /** "PRESET on DATASET" as the run wrote it in config.json; the folder's name when that file is missing. */
    private String title() {
        Path config = run.resolve(TrainCommand.CONFIG);
        try {
            if (Files.isRegularFile(config)
                    && StrictJsonParser.parse(Files.readString(config)) instanceof Map<?, ?> root
                    && root.get("recipe") instanceof Map<?, ?> recipe
                    && recipe.get("model") instanceof String model && recipe.get("dataset") instanceof String data) {
                return model + " on " + data;
            }
        } catch (IOException | JsonSyntaxException e) {
            throw new Vil4jException("cannot read " + config + ": " + e.getMessage(), e);
        }
        Path name = run.toAbsolutePath().normalize().getFileName();
        return name == null ? "run" : name.toString();
    }
}
