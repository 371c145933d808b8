package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;

/**
 * Closing a backend whose program never launched (a command that fails before its first kernel) must not crash the
 * JVM: Aparapi's disposeJNI on a kernel without native state died in about half the runs (SIGSEGV / "free(): invalid
 * size", exit 134, an hs_err file). Run in child JVMs, several times, since the crash is not deterministic.
 */
class CloseWithoutLaunchTest {
    private static final int RUNS = 8;

    /** The child: open on PoCL (or any OpenCL device), optionally stage a tensor, close without a launch. */
    public static void main(String[] args) {
        try (Ops ops = new OpenCLBackend().open("auto")) {
            if (args.length > 0) {
                ops.upload(Shape.of(2, 3), new float[6]);
            }
        }
        System.out.println("closed");
    }

    @Test
    void closingBeforeTheFirstLaunchExitsCleanly(@TempDir Path dir) throws Exception {
        for (int run = 0; run < RUNS; run++) {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"),
                    "-cp", classPath(), CloseWithoutLaunchTest.class.getName()));
            if (run % 2 == 1) {
                command.add("upload");
            }
            Path log = dir.resolve("child-" + run + ".log");
            Process child = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child %d finished", run).isTrue();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(child.exitValue()).as("exit code of run %d; output:%n%s", run, output).isZero();
            assertThat(output).contains("closed");
            assertThat(hsErrFiles(dir)).as("hs_err files after run %d", run).isEmpty();
        }
    }

    private static String classPath() {
        String modules = System.getProperty("jdk.module.path", "");
        String classes = System.getProperty("java.class.path", "");
        return modules.isEmpty() ? classes : classes + File.pathSeparator + modules;
    }

    private static List<Path> hsErrFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList();
        }
    }
}
