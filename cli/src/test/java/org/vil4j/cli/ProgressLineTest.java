package org.vil4j.cli;

import org.junit.jupiter.api.Test;
import org.vil4j.training.StepMetrics;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Progress lines: drawn only on a terminal, never wider than it; plain lines otherwise. */
class ProgressLineTest {
    private static List<String> drawn(String stream) {
        // each redraw starts with \r and ends with "erase to end of line"
        return Arrays.stream(stream.split("\r")).map(s -> s.replace("\u001b[K", "").replace("\n", ""))
                .filter(s -> !s.isEmpty()).toList();
    }

    @Test
    void onATerminalTheBarFitsItsWidth() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), 12345, true, 40);
        bar.update(12345);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).startsWith("\r");
        assertThat(drawn(out)).isNotEmpty().allMatch(l -> l.length() <= 39);
        assertThat(bar.line(12345, 1.0).length()).isGreaterThan(39); // so the cut is what kept it on one line
    }

    @Test
    void elsewhereOnlyPlainLinesAreWritten() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), 20, false, 40);
        for (int i = 1; i <= 20; i++) {
            bar.update(i);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).doesNotContain("\r").doesNotContain("\u001b");
        List<String> lines = out.lines().toList();
        assertThat(lines).hasSizeBetween(10, 12);
        assertThat(lines.get(lines.size() - 1)).startsWith("20/20 images (100%), ").contains("img/s, ETA");
    }

    @Test
    void theTrainingBarIsCutToTheTerminalAndAbsentElsewhere() {
        StepMetrics m = new StepMetrics(1, 3, 100, 3, 2.3456, 0.25, 1e-3, 1234.5, 1.0);
        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        new TrainingProgress(true, 50, new PrintStream(tty, true, StandardCharsets.UTF_8),
                new PrintStream(log, true, StandardCharsets.UTF_8), new java.io.BufferedWriter(new StringWriter()), 6,
                100, 64, 0).step(m);
        assertThat(drawn(tty.toString(StandardCharsets.UTF_8))).singleElement()
                .satisfies(l -> assertThat(l).hasSize(49).startsWith("epoch 1/6 ["));
        ByteArrayOutputStream pipe = new ByteArrayOutputStream();
        new TrainingProgress(false, 50, new PrintStream(pipe, true, StandardCharsets.UTF_8),
                new PrintStream(log, true, StandardCharsets.UTF_8), new java.io.BufferedWriter(new StringWriter()), 6,
                100, 64, 0).step(m);
        assertThat(pipe.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void columnsComeFromTheEnvironmentWhenSensible() {
        assertThat(Terminal.parseColumns("132")).isEqualTo(132);
        assertThat(Terminal.parseColumns("abc")).isNull();
        assertThat(Terminal.parseColumns("5")).isNull();
        assertThat(Terminal.fit("0123456789", 6)).isEqualTo("01234");
        assertThat(Terminal.fit("0123", 6)).isEqualTo("0123");
    }
}
