package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * PoCL builds kernels with an in-process LLVM, which installs its own SIGSEGV handler over the JVM's (SA_RESETHAND).
 * The JVM raises SIGSEGV itself (safepoint polls, implicit null checks): when two threads did so at once, the second
 * met the default action and the JVM died with exit 139 and no crash report (the "unexplained" CI and GPU crashes of
 * rounds 5 and 6; a reproducer with four spinning threads and System.gc() died in 4 of 6 runs). The JVM's signal
 * chaining (libjsig, preloaded by bin/vil, the GPU scripts and the test JVMs) keeps the JVM's handler first. The
 * JVM's -Xcheck:jni reports a replaced handler ("SIGSEGV handler modified!"): with libjsig it must not.
 */
class SignalChainingTest {
    private static final Path JSIG = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");

    /** The child: build the device program and launch, then give the JVM's periodic signal check time to run. */
    public static void main(String[] args) throws Exception {
        try (Ops ops = new OpenCLBackend().open("auto")) {
            ops.download(ops.scale(ops.upload(Shape.of(3), new float[]{1, 2, 3}), 2f));
        }
        Thread.sleep(1500);
        System.out.println("done");
    }

    @Test
    void theTestJvmsPreloadTheSignalChaining() {
        assumeTrue(Files.exists(JSIG), "this runtime has no libjsig.so");
        assertThat(System.getenv("LD_PRELOAD")).as("LD_PRELOAD of the test JVM (pom.xml's surefire settings)")
                .contains(JSIG.toString());
    }

    @Test
    void withTheSignalChainingTheJvmKeepsItsSegvHandler(@TempDir Path dir) throws Exception {
        assumeTrue(Files.exists(JSIG), "this runtime has no libjsig.so");
        String without = runChild(dir, "");
        assumeTrue(without.contains("SIGSEGV handler modified"), "this OpenCL leaves the JVM's handlers alone");
        String with = runChild(dir, JSIG.toString());
        assertThat(with).doesNotContain("handler modified");
    }

    private static String runChild(Path dir, String preload) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xcheck:jni", "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"), "-cp", classPath(),
                SignalChainingTest.class.getName());
        Path log = dir.resolve("child.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("LD_PRELOAD", preload);
        Process child = builder.start();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as("child exit; output:%n%s", output).isZero();
        assertThat(output).contains("done");
        return output;
    }

    private static String classPath() {
        String modules = System.getProperty("jdk.module.path", "");
        String classes = System.getProperty("java.class.path", "");
        return modules.isEmpty() ? classes : classes + File.pathSeparator + modules;
    }
}
