package org.vil4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.vil4j.conformance.GoldenFiles;

/** Runs {@code vil} in-process with stdout and stderr captured. */
record CliRun(int exitCode, String out, String err) {
    /** The golden folder: the repository's golden/ (the parent pom sets vil4j.golden). */
    static final Path GOLDEN = GoldenFiles.directory();

    static synchronized CliRun of(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new CliRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
