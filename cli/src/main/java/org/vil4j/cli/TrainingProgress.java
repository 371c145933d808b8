package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.training.EpochMetrics;
import org.vil4j.training.StepMetrics;
import org.vil4j.training.Trainer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/** Progress on the terminal (a one-line bar) or as plain log lines, and the metrics.jsonl lines. */
final class TrainingProgress implements Trainer.Listener {
    private final boolean terminal;
    private final int columns;
    private final PrintStream bar;
    private final PrintStream log;
    private final BufferedWriter metrics;
    private final int epochs;
    private final int batches;
    private final int logEvery;
    private final int batchSize;
    private double lossSum;
    private double correctSum;
    private int count;
    private long lastDraw;
    private boolean lineOpen;

    TrainingProgress(boolean terminal, PrintStream bar, PrintStream log, BufferedWriter metrics, int epochs,
                  int batches, int batchSize, int logEvery) {
        this(terminal, terminal ? Terminal.columns() : Terminal.DEFAULT_COLUMNS, bar, log, metrics, epochs, batches,
                batchSize, logEvery);
    }

    /** @param terminal whether {@code bar} is a terminal (the bar is drawn only there), {@code columns} wide */
    TrainingProgress(boolean terminal, int columns, PrintStream bar, PrintStream log, BufferedWriter metrics,
                     int epochs, int batches, int batchSize, int logEvery) {
        this.terminal = terminal;
        this.columns = columns;
        this.bar = bar;
        this.log = log;
        this.metrics = metrics;
        this.epochs = epochs;
        this.batches = batches;
        this.logEvery = logEvery;
        this.batchSize = batchSize;
    }

    @Override
    public void step(StepMetrics m) {
        if (m.batch() == 1) {
            lossSum = 0;
            correctSum = 0;
            count = 0;
        }
        lossSum += m.loss();
        correctSum += m.accuracy();
        count++;
        if (logEvery > 0 && m.step() % logEvery == 0) {
            write(m.toJson());
        }
        double rate = m.imagesPerSecond();
        double stepsLeft = (double) (epochs - m.epoch()) * batches + (batches - m.batch());
        String eta = rate > 0 ? ProgressBar.clock(stepsLeft * batchSize / rate) : "?";
        String text = String.format(Locale.ROOT, "epoch %d/%d %s %d/%d loss %.4f acc %.2f%% %.1f img/s "
                        + "ETA %s", m.epoch(), epochs, terminal ? gauge(m.batch()) : "batch", m.batch(), batches,
                lossSum / count, 100 * correctSum / count, rate, eta);
        if (terminal) {
            long now = System.nanoTime();
            if (now - lastDraw > 100_000_000L || m.batch() == batches) {
                lastDraw = now;
                bar.print("\r" + Terminal.fit(text, columns) + "\u001b[K");
                bar.flush();
                lineOpen = true;
            }
        } else if (m.batch() % Math.max(1, (batches + 9) / 10) == 0 && m.batch() != batches) {
            log.println(text);
        }
    }

    private static String gauge(int done, int total) {
        int width = 20;
        int filled = (int) ((long) done * width / Math.max(1, total));
        return "[" + "=".repeat(filled) + " ".repeat(width - filled) + "]";
    }

    private String gauge(int done) {
        return gauge(done, batches);
    }

    @Override
    public void epoch(EpochMetrics m) {
        write(m.toJson());
        abandonLine();
        String ema = Double.isNaN(m.emaTestAccuracy()) ? "" : String.format(Locale.ROOT, " (EMA %.2f%%)",
                100 * m.emaTestAccuracy());
        log.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%%%s | "
                        + "%.1f s + %.1f s eval, %.1f img/s, lr %.3g%n", m.epoch(), epochs, m.trainLoss(),
                100 * m.trainAccuracy(), m.testLoss(), 100 * m.testAccuracy(), ema, m.seconds(),
                m.evalSeconds(), m.imagesPerSecond(), m.learningRate());
    }

    @Override
    public void notice(String message) {
        abandonLine();
        log.println("note: " + message);
    }

    /** Ends a half-drawn bar line (before other output or an error message). */
    void abandonLine() {
        if (lineOpen) {
            bar.print("\r\u001b[K");
            bar.flush();
            lineOpen = false;
        }
    }

    private void write(String line) {
        try {
            metrics.write(line);
            metrics.write('\n');
            metrics.flush();
        } catch (IOException e) {
            throw new Vil4jException("cannot write metrics: " + e.getMessage(), e);
        }
    }
}
