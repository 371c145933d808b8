package org.vil4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Running out of heap ends in one line that says what to change, not in a trace from inside an allocation. */
class OutOfMemoryReportTest {
    @Command(name = "starve")
    static final class StarvingCommand implements Callable<Integer> {
        @Option(names = "--verbose")
        boolean verbose;

        @Override
        public Integer call() {
            throw new OutOfMemoryError("Java heap space");
        }
    }

    private static String[] run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new StarvingCommand());
        cli.setErr(new PrintWriter(err, true));
        int code = Main.execute(cli, args);
        return new String[] {Integer.toString(code), err.toString()};
    }

    @Test
    void anOutOfMemoryErrorBecomesOneLineWithTheRemedies() {
        String[] result = run();
        assertThat(result[0]).isEqualTo("3");
        assertThat(result[1].strip()).doesNotContain("\n").doesNotContain("\tat ")
                .startsWith("vil: out of memory (Java heap space; Java heap limit ")
                .contains("VIL_JAVA_OPTS=-Xmx", "--batch-size", "--recompute-activations");
    }

    @Test
    void verboseAlsoPrintsTheTrace() {
        String[] result = run("--verbose");
        assertThat(result[0]).isEqualTo("3");
        assertThat(result[1]).contains("java.lang.OutOfMemoryError: Java heap space", "\tat ", "vil: out of memory");
    }
}
