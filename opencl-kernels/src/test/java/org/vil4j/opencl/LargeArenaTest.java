package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.backend.java.JavaBackend;

/**
 * Arenas beyond Aparapi's 2 GiB (LargeBuffers, tools/gpu/native/cl_large_buffers.c): which sizes may be made, that
 * without the preloaded library the bound stays one Aparapi buffer, and, in a child JVM with it on this machine's
 * OpenCL device, that tensors placed past the first 2 GiB of the arena compute what the java backend computes.
 */
class LargeArenaTest {
    private static final long TWO_GIB_FLOATS = 1L << 29;

    @Test
    void onlySizesWhoseWrappedByteCountIsNotPositivePass2GiB() {
        assertThat(LargeBuffers.allowed(TWO_GIB_FLOATS - 1)).isTrue();
        assertThat(LargeBuffers.allowed(TWO_GIB_FLOATS)).isTrue(); // Integer.MIN_VALUE bytes
        assertThat(LargeBuffers.allowed(3L << 28)).isTrue(); // 3 GiB: negative
        assertThat(LargeBuffers.allowed(1L << 30)).isTrue(); // 4 GiB: 0
        assertThat(LargeBuffers.allowed((1L << 30) + 1024)).isFalse(); // 4 GiB + 4 KiB: a real small size
        assertThat(LargeBuffers.allowed((5L << 28))).isFalse(); // 5 GiB
        assertThat(LargeBuffers.allowed(3L << 29)).isTrue(); // 6 GiB
        assertThat(LargeBuffers.allowed(LargeBuffers.WITH_LIBRARY_FLOATS)).isTrue();
        assertThat(LargeBuffers.allowed(1L << 31)).isFalse(); // past an int index
        assertThat(LargeBuffers.allowedAtLeast(5L << 28)).isEqualTo(3L << 29);
        assertThat(LargeBuffers.allowedAtLeast(3L << 28)).isEqualTo(3L << 28);
        assertThat(LargeBuffers.allowedAtMost(5L << 28)).isEqualTo(1L << 30);
        assertThat(LargeBuffers.allowedAtMost(TWO_GIB_FLOATS - 1)).isEqualTo(TWO_GIB_FLOATS - 1024);
        assertThat(LargeBuffers.allowedAtMost((3L << 28) + 5)).isEqualTo(3L << 28);
    }

    @Test
    void withoutTheLibraryTheBoundIsOneAparapiBuffer() {
        assertThat(LargeBuffers.load(Map.of())).isEmpty();
        assertThat(LargeBuffers.load(Map.of("LD_PRELOAD", "/nowhere/libclbuildoptions.so"))).isEmpty();
        assumeTrue(!LargeBuffers.available(), "this JVM has the library preloaded");
        assertThat(LargeBuffers.limitFloats(64L << 30)).isEqualTo(OpenCLOps.MAX_ARENA_FLOATS);
        OpenCLDevices.Found found = OpenCLDevices.select("cpu");
        int floats = (int) TWO_GIB_FLOATS + (1 << 20);
        assertThatThrownBy(() -> new OpenCLOps(found, floats, floats)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> LargeBuffers.announce(floats)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("preloaded library");
    }

    /**
     * The child: an arena of 2 GiB + 4 MiB, a filler of 2 GiB, then an element-wise op and a GEMM on tensors that lie
     * wholly past the first 2 GiB; prints each result's largest difference from the java backend.
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("grow")) {
            grow();
            return;
        }
        int arena = (int) TWO_GIB_FLOATS + (1 << 20);
        Random random = new Random(7);
        float[] a = new float[64 * 96], w = new float[48 * 96], bias = new float[48];
        for (float[] values : List.of(a, w, bias)) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
        }
        OpenCLDevices.Found found = OpenCLDevices.select("cpu");
        if (OpenCLOps.arenaLimitFloats(found) < arena) {
            // PoCL takes its largest allocation from the host's memory: 2 GiB on a machine of 24 GiB, more on others
            System.out.println("skipped: the device's largest allocation is " + found.device().getMaxMemAllocSize()
                    + " bytes, under the " + 4L * arena + " this needs");
            return;
        }
        try (OpenCLOps ops = new OpenCLOps(found, arena, arena);
             Ops java = new JavaBackend().open(null)) {
            Tensor low = ops.upload(Shape.of(4), new float[] {1, 2, 3, 4});
            ops.download(ops.add(low, low)); // the arena goes over to the device here
            ops.allocate(Shape.of((int) TWO_GIB_FLOATS));
            DeviceTensor x = (DeviceTensor) ops.upload(Shape.of(64, 96), a);
            DeviceTensor weight = (DeviceTensor) ops.upload(Shape.of(48, 96), w);
            DeviceTensor b = (DeviceTensor) ops.upload(Shape.of(48), bias);
            DeviceTensor sum = (DeviceTensor) ops.add(x, x);
            DeviceTensor y = (DeviceTensor) ops.linear(x, weight, b);
            System.out.println("lowest offset: " + Math.min(x.offset(), Math.min(sum.offset(), y.offset())));
            Tensor jx = java.upload(Shape.of(64, 96), a);
            Tensor jy = java.linear(jx, java.upload(Shape.of(48, 96), w), java.upload(Shape.of(48), bias));
            System.out.println("add difference: " + maxDifference(ops.download(sum), java.download(java.add(jx, jx))));
            System.out.println("linear difference: " + maxDifference(ops.download(y), java.download(jy)));
            System.out.println("device: " + ops.deviceName());
            System.out.println("corrected sizes: " + LargeBuffers.corrected());
        } catch (RuntimeException e) {
            System.out.println("error: " + e);
            System.exit(3);
        }
    }

    /**
     * The other child: an arena of exactly 2 GiB (its size wraps to Integer.MIN_VALUE) holding a device-only result
     * at its top, then a tensor that does not fit, so that the arena grows to 4 GiB (a size that wraps to 0): the
     * result must survive the read-back and the move, and ops past the first 2 GiB of the new arena must still work.
     */
    private static void grow() {
        OpenCLDevices.Found found = OpenCLDevices.select("cpu");
        if (OpenCLOps.arenaLimitFloats(found) < 1L << 30) {
            System.out.println("skipped: the device's largest allocation is under 4 GiB");
            return;
        }
        try (OpenCLOps ops = new OpenCLOps(found, (int) TWO_GIB_FLOATS, 1L << 30)) {
            float[] values = {1, -2, 3.5f, 4, 5, 6, -7, 8};
            ops.download(ops.add(ops.upload(Shape.of(8), values), ops.upload(Shape.of(8), values)));
            ops.allocate(Shape.of((int) TWO_GIB_FLOATS - (1 << 20)));
            Tensor top = ops.upload(Shape.of(8), values);
            DeviceTensor doubled = (DeviceTensor) ops.add(top, top); // only on the device until read
            System.out.println("before growth: " + doubled.offset() + " in " + ops.arenaBytes());
            DeviceTensor beyond = (DeviceTensor) ops.upload(Shape.of(2 << 20), new float[2 << 20]);
            DeviceTensor sum = (DeviceTensor) ops.add(doubled, top);
            System.out.println("after growth: arena " + ops.arenaBytes() + " (the new tensor at " + beyond.offset()
                    + ")");
            System.out.println("sum at: " + sum.offset());
            System.out.println("kept: " + java.util.Arrays.toString(ops.download(doubled)));
            System.out.println("sum: " + java.util.Arrays.toString(ops.download(sum)));
            System.out.println("corrected sizes: " + LargeBuffers.corrected());
        } catch (RuntimeException e) {
            System.out.println("error: " + e);
            System.exit(3);
        }
    }

    @Test
    void anArenaGrowsFrom2To4GiBKeepingItsDeviceOnlyResults(@TempDir Path dir) throws Exception {
        Path library = PreloadedLibrary.compile(dir);
        String output = PreloadedLibrary.runChild(dir, library, LargeArenaTest.class, List.of("-Xmx9g"), Map.of(), 0,
                "grow");
        assumeTrue(!output.contains("skipped:"), output);
        assertThat(output).contains("after growth: arena " + (4L << 30))
                .contains("kept: [2.0, -4.0, 7.0, 8.0, 10.0, 12.0, -14.0, 16.0]")
                .contains("sum: [3.0, -6.0, 10.5, 12.0, 15.0, 18.0, -21.0, 24.0]");
        assertThat(PreloadedLibrary.number(output, "sum at")).isGreaterThanOrEqualTo(TWO_GIB_FLOATS); // past the first 2 GiB
    }

    private static float maxDifference(float[] got, float[] expected) {
        float max = 0, scale = 0;
        for (int i = 0; i < got.length; i++) {
            max = Math.max(max, Math.abs(got[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return got.length == expected.length ? max / scale : Float.NaN;
    }

    @Test
    void tensorsPastTheFirst2GiBComputeWhatTheJavaBackendDoes(@TempDir Path dir) throws Exception {
        Path library = PreloadedLibrary.compile(dir);
        String output = PreloadedLibrary.runChild(dir, library, LargeArenaTest.class, List.of("-Xmx4g"), Map.of(), 0);
        assumeTrue(!output.contains("skipped:"), output);
        assertThat(output).contains("arena up to").contains("(preloaded)");
        assertThat(PreloadedLibrary.number(output, "lowest offset")).isGreaterThan(TWO_GIB_FLOATS);
        assertThat(PreloadedLibrary.number(output, "add difference")).isLessThanOrEqualTo(1e-6);
        assertThat(PreloadedLibrary.number(output, "linear difference")).isLessThanOrEqualTo(1e-4);
        // at least the buffer's creation (on a GPU also its whole writes and reads)
        assertThat(PreloadedLibrary.number(output, "corrected sizes")).isGreaterThanOrEqualTo(1);
    }
}
