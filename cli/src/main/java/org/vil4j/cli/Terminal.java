package org.vil4j.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Whether stderr is a terminal and how wide it is, so progress lines are drawn only there and fit on one line. */
final class Terminal {
    static final int DEFAULT_COLUMNS = 80;
    private static Integer columns;

    private Terminal() {
    }

    /**
     * stderr's file descriptor points at a terminal device (Linux: /proc/self/fd/2 -> /dev/pts/N or /dev/ttyN);
     * elsewhere the JVM's console, which needs stdin and stdout on a terminal.
     */
    static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        try {
            String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** $COLUMNS, else what {@code stty size} says of the controlling terminal, else 80. */
    static synchronized int columns() {
        if (columns == null) {
            columns = parseColumns(System.getenv("COLUMNS"));
            if (columns == null) {
                columns = sttyColumns();
            }
            if (columns == null) {
                columns = DEFAULT_COLUMNS;
            }
        }
        return columns;
    }

    static Integer parseColumns(String text) {
        try {
            int n = Integer.parseInt(text == null ? "" : text.trim());
            return n >= 20 ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Integer sttyColumns() {
        File tty = new File("/dev/tty");
        if (!tty.canRead()) {
            return null;
        }
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(tty)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (!p.waitFor(2, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            String[] parts = out.split("\\s+"); // "rows columns"
            return parts.length == 2 ? parseColumns(parts[1]) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {@code line} cut to {@code columns - 1} characters: the cursor never wraps to a second line. */
    static String fit(String line, int columns) {
        int max = Math.max(1, columns - 1);
        return line.length() <= max ? line : line.substring(0, max);
    }
}
