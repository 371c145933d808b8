package org.vil4j.cli;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CLI resolves as a module: {@code java -p ... -m org.vil4j.cli/org.vil4j.cli.Main} with the CLI's runtime
 * dependencies (no test framework) on the module path, its plugins found by service binding.
 */
class ModulePathTest {
    private static final List<String> TEST_ONLY = List.of("junit", "assertj", "opentest4j", "apiguardian",
            "surefire", "test-classes");

    /** The CLI's classes and runtime jars, as Maven's test class path lists them, less the test framework. */
    static String modulePath() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(classPath.split(File.pathSeparator))
                .filter(entry -> TEST_ONLY.stream().noneMatch(entry::contains))
                .collect(Collectors.joining(File.pathSeparator));
    }

    static CliRun run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-p", modulePath(), "-m", "org.vil4j.cli/org.vil4j.cli.Main"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new CliRun(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void theCliStartsOnTheModulePath() throws Exception {
        assertThat(modulePath()).contains("vil4j-conformance").doesNotContain("junit");
        CliRun help = run("--help");
        assertThat(help.exitCode()).as(help.err()).isZero();
        assertThat(help.out()).contains("train").contains("predict").contains("conformance");
        CliRun plugins = run("plugins");
        assertThat(plugins.exitCode()).as(plugins.err()).isZero();
        assertThat(plugins.out()).contains("hilbert").contains("mlstm").contains("bilateral_flatten")
                .contains("java");
    }
}
