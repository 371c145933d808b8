package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The preloaded library of tools/gpu/native (build options, pipelined passes, large buffers), compiled here as
 * build.sh does, and child JVMs that run a test class's {@code main} with it preloaded on this machine's OpenCL.
 */
final class PreloadedLibrary {
    private static final Path NATIVE = Path.of("..", "tools", "gpu", "native");
    private static final List<String> SOURCES = List.of("cl_build_options.c", "cl_large_buffers.c",
            "cl_shared_arena.c", "cl_staged_writes.c");

    private PreloadedLibrary() {
    }

    /** Compiles the library into {@code dir}; skips the test where gcc or the OpenCL headers are missing. */
    static Path compile(Path dir) throws Exception {
        assumeTrue(Files.exists(NATIVE.resolve(SOURCES.get(0))), "the library's source is beside the module");
        assumeTrue(Files.exists(Path.of("/usr/include/CL/cl.h")), "OpenCL headers (ocl-icd-opencl-dev)");
        Path library = dir.resolve("libclbuildoptions.so");
        List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-shared", "-fPIC", "-o",
                library.toString()));
        SOURCES.forEach(source -> command.add(NATIVE.resolve(source).toString()));
        command.addAll(List.of("-ldl", "-lpthread", "-lOpenCL"));
        Process gcc;
        try {
            gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException noCompiler) {
            assumeTrue(false, "gcc is not installed");
            throw noCompiler;
        }
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(gcc.exitValue()).as("gcc:%n%s", log).isZero();
        return library;
    }

    /**
     * Runs {@code main} of {@code mainClass} in a child JVM with the library preloaded in front of what this JVM
     * preloads (the JVM's signal chaining) and {@code env} set; returns its output after checking its exit code.
     */
    static String runChild(Path dir, Path library, Class<?> mainClass, List<String> jvmOptions,
                           Map<String, String> env, int expectedExit, String... args) throws Exception {
        return runChild(dir, library, mainClass, jvmOptions, env, expectedExit, 300, args);
    }

    /** ... waiting at most {@code seconds} for the child (PoCL builds a program with many barriers in minutes). */
    static String runChild(Path dir, Path library, Class<?> mainClass, List<String> jvmOptions,
                           Map<String, String> env, int expectedExit, int seconds, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log")));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath(), mainClass.getName()));
        command.addAll(List.of(args));
        Path log = dir.resolve("child.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        String inherited = System.getenv("LD_PRELOAD");
        builder.environment().put("LD_PRELOAD", library + (inherited == null || inherited.isEmpty() ? ""
                : ":" + inherited));
        builder.environment().putAll(env);
        Process child = builder.start();
        if (!child.waitFor(seconds, TimeUnit.SECONDS)) {
            child.destroyForcibly(); // not left running (building, say) beside the next test
            assertThat(false).as("the child ended within %d s; its output:%n%s", seconds,
                    Files.readString(log, StandardCharsets.UTF_8)).isTrue();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(child.exitValue()).as("child exit; output:%n%s", output).isEqualTo(expectedExit);
        return output;
    }

    /** The number after "label: " in a child's output (fails the test when there is none). */
    static double number(String output, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + ": ([-0-9.Ee]+)").matcher(output);
        assertThat(m.find()).as("%s in:%n%s", label, output).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /**
     * The largest of the library's counts "label: N" in a child's output, -1 when there is none: the library reports
     * at exit in every process that preloads it, and PoCL's compiler processes inherit the preload and report 0.
     */
    static long largestCount(String output, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + ": (\\d+)").matcher(output);
        long most = -1;
        while (m.find()) {
            most = Math.max(most, Long.parseLong(m.group(1)));
        }
        return most;
    }

    private static String classPath() {
        String modules = System.getProperty("jdk.module.path", "");
        String classes = System.getProperty("java.class.path", "");
        return modules.isEmpty() ? classes : classes + File.pathSeparator + modules;
    }
}
