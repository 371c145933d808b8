package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/**
 * The preloaded build-options library (tools/gpu/native/cl_build_options.c): what the device name reports, and, in
 * child JVMs on this machine's OpenCL device, that the options really reach clBuildProgram, that the NVIDIA-only
 * register cap is never sent to another vendor, that a refused option ends in the backend's one-line error, and that
 * passes run without host waits still see each other's results in order.
 */
class NativeBuildOptionsTest {
    private static final String PRELOAD = "/opt/x/libclbuildoptions.so";
    private static final int CHAIN = 60;

    @Test
    void reportsNothingUnlessTheLibraryIsPreloaded() {
        assertThat(NativeBuildOptions.added("NVIDIA Corporation", Map.of("VIL4J_NV_MAXRREGCOUNT", "64"))).isEmpty();
        assertThat(NativeBuildOptions.added("NVIDIA Corporation",
                Map.of("LD_PRELOAD", "/lib/other.so", "VIL4J_NV_MAXRREGCOUNT", "64"))).isEmpty();
    }

    @Test
    void theRegisterCapIsForNvidiaOnly() {
        Map<String, String> env = Map.of("LD_PRELOAD", PRELOAD, "VIL4J_NV_MAXRREGCOUNT", "64");
        assertThat(NativeBuildOptions.added("NVIDIA Corporation", env)).contains("-cl-nv-maxrregcount=64");
        assertThat(NativeBuildOptions.added("The pocl project", env)).isEmpty();
        assertThat(NativeBuildOptions.added("NVIDIA Corporation",
                Map.of("LD_PRELOAD", PRELOAD, "VIL4J_NV_MAXRREGCOUNT", "none"))).isEmpty();
    }

    @Test
    void extraOptionsGoToEveryVendor() {
        Map<String, String> env = Map.of("LD_PRELOAD", PRELOAD, "VIL4J_NV_MAXRREGCOUNT", "48",
                "VIL4J_CL_BUILD_OPTIONS", " -cl-nv-verbose ");
        assertThat(NativeBuildOptions.added("NVIDIA Corporation", env))
                .contains("-cl-nv-maxrregcount=48 -cl-nv-verbose");
        assertThat(NativeBuildOptions.added("Advanced Micro Devices, Inc.", env)).contains("-cl-nv-verbose");
    }

    @Test
    void theDeviceNameSaysWhatTheLibraryChanges() {
        Map<String, String> env = Map.of("LD_PRELOAD", PRELOAD, "VIL4J_NV_MAXRREGCOUNT", "64",
                "VIL4J_CL_PIPELINE_PASSES", "1");
        assertThat(NativeBuildOptions.describe("NVIDIA Corporation", "gpu", env))
                .isEqualTo(", build options -cl-nv-maxrregcount=64, passes pipelined (preloaded)");
        assertThat(NativeBuildOptions.describe("The pocl project", "cpu", env))
                .isEqualTo(", passes pipelined (preloaded)");
        assertThat(NativeBuildOptions.describe("The pocl project", "cpu", Map.of("VIL4J_CL_PIPELINE_PASSES", "1")))
                .isEmpty();
    }

    @Test
    void theDeviceNameSaysWhenExecutesAreNotWaitedFor() {
        Map<String, String> gpuOnly = Map.of("LD_PRELOAD", PRELOAD, "VIL4J_CL_ASYNC_MAIN", "1");
        assertThat(NativeBuildOptions.describe("NVIDIA Corporation", "gpu", gpuOnly))
                .isEqualTo(", executes not waited for (preloaded)");
        assertThat(NativeBuildOptions.describe("The pocl project", "cpu", gpuOnly)).isEmpty();
        assertThat(NativeBuildOptions.describe("The pocl project", "cpu",
                Map.of("LD_PRELOAD", PRELOAD, "VIL4J_CL_ASYNC_MAIN", "2", "VIL4J_CL_PIPELINE_PASSES", "1")))
                .isEqualTo(", passes pipelined, executes not waited for (preloaded)");
        assertThat(NativeBuildOptions.describe("NVIDIA Corporation", "gpu", Map.of("VIL4J_CL_ASYNC_MAIN", "1")))
                .isEmpty();
    }

    /** The child: a chain of ops run as the passes of one execute; prints the device name and the result. */
    public static void main(String[] args) {
        try (Ops ops = new OpenCLBackend().open("auto")) {
            Tensor x = ops.upload(Shape.of(3), new float[] {1, 2, 3});
            Tensor step = ops.upload(Shape.of(3), new float[] {10, 20, 30});
            for (int i = 0; i < CHAIN; i++) {
                x = ops.add(x, step); // each pass reads the one before: wrong order shows in the sum
            }
            float[] sum = ops.download(x);
            System.out.println("device: " + ops.deviceName());
            System.out.println("sum: " + Arrays.toString(sum));
            if (args.length > 0 && args[0].equals("executes")) {
                // an execute for each op, each after an upload whose array the host then rewrites for the next
                Tensor y = ops.upload(Shape.of(3), new float[] {1, 2, 3});
                for (int i = 0; i < CHAIN / 2; i++) {
                    y = ops.add(y, ops.upload(Shape.of(3), new float[] {1, 2, 3}));
                    ops.kernelLaunches(); // nothing read back between them
                }
                System.out.println("uploads: " + Arrays.toString(ops.download(y)));
            }
        } catch (RuntimeException e) {
            System.out.println("error: " + e.getMessage());
            System.exit(3);
        }
    }

    @Test
    void optionsReachTheBuildAndTheCapStaysOffOtherVendors(@TempDir Path dir) throws Exception {
        Path library = compile(dir);
        String output = runChild(dir, library, "-DVIL4J_SHIM_PROBE=1", "0", 0);
        assertThat(output).contains("[cl_build_options] building with options:")
                .contains("-DVIL4J_SHIM_PROBE=1")
                .contains("sum: [601.0, 1202.0, 1803.0]")
                .contains("build options -DVIL4J_SHIM_PROBE=1 (preloaded)");
        if (!output.contains("NVIDIA")) {
            assertThat(output).doesNotContain("maxrregcount");
        }
    }

    @Test
    void pipelinedPassesGiveTheSameResultWithoutTheHostWaits(@TempDir Path dir) throws Exception {
        Path library = compile(dir);
        String output = runChild(dir, library, "", "1", 0);
        assertThat(output).contains("sum: [601.0, 1202.0, 1803.0]").contains("passes pipelined (preloaded)");
        long most = PreloadedLibrary.largestCount(output, "host waits between passes skipped");
        assertThat(most).as("the library's count in:%n%s", output).isGreaterThanOrEqualTo(CHAIN - 1);
    }

    @Test
    void executesThatEndWithoutTheirWaitStillSeeEachOthersResults(@TempDir Path dir) throws Exception {
        // VIL4J_CL_ASYNC_MAIN=2: the main program's final waits skipped on this (CPU) device too, as on a GPU; the
        // uploads between the executes are staged, so the host may rewrite its arrays while the device is behind
        Path library = compile(dir);
        String output = PreloadedLibrary.runChild(dir, library, NativeBuildOptionsTest.class, List.of(),
                Map.of("VIL4J_CL_BUILD_LOG", "1", "VIL4J_CL_PIPELINE_PASSES", "1", "VIL4J_CL_ASYNC_MAIN", "2"), 0,
                "executes");
        assertThat(output).contains("sum: [601.0, 1202.0, 1803.0]").contains("uploads: [31.0, 62.0, 93.0]")
                .contains("executes not waited for (preloaded)");
        assertThat(PreloadedLibrary.largestCount(output, "main program's final waits skipped"))
                .as("the library's count in:%n%s", output).isGreaterThanOrEqualTo(CHAIN / 2);
        assertThat(PreloadedLibrary.largestCount(output, "writes staged"))
                .as("the library's count in:%n%s", output).isGreaterThanOrEqualTo(CHAIN / 2);
    }

    @Test
    void aRefusedOptionIsTheBackendsOneLineError(@TempDir Path dir) throws Exception {
        Path library = compile(dir);
        String output = runChild(dir, library, "-vil4j-no-such-option", "0", 3);
        assertThat(output).contains("error: OpenCL backend: the device program does not build on")
                .doesNotContain("sum:");
    }

    private static Path compile(Path dir) throws Exception {
        return PreloadedLibrary.compile(dir);
    }

    private static String runChild(Path dir, Path library, String extraOptions, String pipeline, int expectedExit)
            throws Exception {
        return PreloadedLibrary.runChild(dir, library, NativeBuildOptionsTest.class, List.of(),
                Map.of("VIL4J_CL_BUILD_LOG", "1", "VIL4J_NV_MAXRREGCOUNT", "64",
                        "VIL4J_CL_BUILD_OPTIONS", extraOptions, "VIL4J_CL_PIPELINE_PASSES", pipeline), expectedExit);
    }
}
