package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.MlstmOperands;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.backend.java.JavaBackend;

/**
 * The fused mLSTM cell (FusedMlstmProgram, one launch of a program of its own): refused by name without the preloaded
 * library's shared arena; in a child JVM with it, on this machine's OpenCL device, the cell and the cell with its
 * output norm and gate give what the java backend gives, for sequence lengths around the 32-row and 64-key tiles and
 * past one 256-token prefix scan, head sizes from 1 to 256 (and past it, where the three-pass cell takes over), dense
 * operands and column views, gates that close nearly all the way.
 */
class FusedMlstmTest {
    private static final int CASES = 10;

    @AfterEach
    void clear() {
        System.clearProperty(FusedMlstm.PROPERTY);
    }

    @Test
    void askedForWithoutTheSharedArenaItIsAOneLineError() {
        System.setProperty(FusedMlstm.PROPERTY, "on");
        if (!LargeBuffers.available()) {
            assertThatThrownBy(() -> new OpenCLBackend().open("cpu")).isInstanceOf(BackendUnavailableException.class)
                    .hasMessageContaining("-Dvil4j.opencl.fusedMlstm=on needs the preloaded library");
        }
        System.setProperty(FusedMlstm.PROPERTY, "yes");
        assertThatThrownBy(() -> new OpenCLBackend().open("cpu")).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("-Dvil4j.opencl.fusedMlstm=yes is none of on, off");
    }

    /** The child: each case's largest difference from the java backend, relative to the result's largest value. */
    public static void main(String[] args) {
        try (Ops cl = new OpenCLBackend().open("cpu"); Ops java = new JavaBackend().open(null)) {
            List<float[]> got = cases(cl), want = cases(java);
            ChildCases.print(got, want);
            System.out.println("device: " + cl.deviceName());
            System.out.println("fused launches: " + ((OpenCLOps) cl).fusedMlstmLaunches() + " of "
                    + cl.kernelLaunches());
        } catch (RuntimeException e) {
            System.out.println("error: " + e);
            System.exit(3);
        }
    }

    /** The cells: all but one (head size 288, left to the three passes) one launch of the fused kernel each. */
    private static List<float[]> cases(Ops ops) {
        Random random = new Random(5);
        List<Tensor> results = new ArrayList<>();
        results.add(cell(ops, random, 2, 70, 2, 48, 0f));      // rows and keys past whole tiles, DH not 32k
        results.add(cell(ops, random, 1, 1, 3, 17, 0f));       // one token
        results.add(cell(ops, random, 1, 33, 1, 256, 0f));     // the largest head
        results.add(cell(ops, random, 2, 300, 3, 32, -6f));    // two prefix scans; forget gates nearly closed
        results.add(cell(ops, random, 1, 40, 1, 288, 0f));     // past the largest head: the three passes
        results.add(cell(ops, random, 8, 40, 4, 16, 0f));      // 32 sequences: a group takes whole ones
        // ViL-T's head over column views of one [a | q | k | v | igate | fgate] tensor, as the layer reads them
        int b = 2, s = 197, nh = 4, dh = 96, width = nh * dh;
        Tensor all = ops.upload(Shape.of(b, s, 4 * width + 2 * nh), gaussian(random, b * s * (4 * width + 2 * nh),
                0.5f, 0f));
        MlstmOperands o = MlstmOperands.columnsOf(ops, all, width, nh, nh);
        results.add(ops.mlstm(o.q(), o.k(), o.v(), o.igate(), o.fgate(), nh, 1e-6f));
        // and with the output norm (residual weight and a bias) and the gate, a and z column views
        Tensor up = ops.upload(Shape.of(b, s, 2 * width), gaussian(random, b * s * 2 * width, 1f, 0f));
        Tensor weight = ops.upload(Shape.of(width), gaussian(random, width, 0.3f, 0f));
        Tensor bias = ops.upload(Shape.of(width), gaussian(random, width, 0.3f, 0f));
        Tensor skip = ops.upload(Shape.of(width), gaussian(random, width, 0.5f, 1f));
        Tensor a = ops.columns(all, 0, width), z = ops.columns(up, width, width);
        results.add(ops.mlstmNormSkipGate(o.q(), o.k(), o.v(), o.igate(), o.fgate(), nh, 1e-6f, weight, true, bias,
                1e-5f, skip, a, z));
        // without weight or bias, dense operands, a head of 40 (two column groups, the second part empty)
        Tensor[] in = operands(ops, random, 3, 50, 2, 40, 0f);
        Tensor a2 = ops.upload(Shape.of(3, 50, 80), gaussian(random, 3 * 50 * 80, 1f, 0f));
        Tensor z2 = ops.upload(Shape.of(3, 50, 80), gaussian(random, 3 * 50 * 80, 1f, 0f));
        Tensor skip2 = ops.upload(Shape.of(80), gaussian(random, 80, 0.5f, 1f));
        results.add(ops.mlstmNormSkipGate(in[0], in[1], in[2], in[3], in[4], 2, 1e-6f, null, false, null, 1e-5f,
                skip2, a2, z2));
        // a constant head row (the last case): its variance is 0, the norm's eps alone keeps it finite; h's last-bit
        // differences come out multiplied by 1/sqrt(eps) ~ 316, so it is held to the shared forward tolerance
        Tensor[] flat = operands(ops, random, 1, 20, 1, 8, 0f);
        Tensor ones = ops.upload(Shape.of(1, 20, 8), filled(160, 1f));
        results.add(ops.mlstmNormSkipGate(flat[0], flat[1], ones, flat[3], flat[4], 1, 1e-6f, null, true, null,
                1e-5f, ops.upload(Shape.of(8), filled(8, 1f)), ones, ones));
        return results.stream().map(ops::download).toList();
    }

    private static Tensor cell(Ops ops, Random random, int b, int s, int nh, int dh, float forgetShift) {
        Tensor[] in = operands(ops, random, b, s, nh, dh, forgetShift);
        return ops.mlstm(in[0], in[1], in[2], in[3], in[4], nh, 1e-6f);
    }

    private static Tensor[] operands(Ops ops, Random random, int b, int s, int nh, int dh, float forgetShift) {
        int n = b * s * nh * dh, g = b * s * nh;
        Shape qs = Shape.of(b, s, nh * dh), gs = Shape.of(b, s, nh);
        return new Tensor[]{ops.upload(qs, gaussian(random, n, 1f, 0f)), ops.upload(qs, gaussian(random, n, 1f, 0f)),
                ops.upload(qs, gaussian(random, n, 1f, 0f)), ops.upload(gs, gaussian(random, g, 1f, 0f)),
                ops.upload(gs, gaussian(random, g, 1f, forgetShift))};
    }

    private static float[] gaussian(Random random, int n, float scale, float shift) {
        return ChildCases.gaussian(random, n, scale, shift);
    }

    private static float[] filled(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return v;
    }

    /** The child may wait minutes for PoCL to build the fused program (docs/DESIGN.md); a cached build takes seconds. */
    @Test
    void theFusedCellComputesWhatTheJavaBackendDoes(@TempDir Path dir) throws Exception {
        Path library = PreloadedLibrary.compile(dir);
        String output = PreloadedLibrary.runChild(dir, library, FusedMlstmTest.class,
                List.of("-D" + FusedMlstm.PROPERTY + "=on", "-D" + FusedMlstm.MIN_FLOPS_PROPERTY + "=0",
                        "-D" + WideGemm.PROPERTY + "=all", "-D" + WideGemm.MIN_FLOPS_PROPERTY + "=0"),
                Map.of("VIL4J_CL_SHARE_ARENA", "1"), 0, 900);
        ChildCases.read(output, CASES).forEach((index, difference) -> assertThat(difference)
                .as("case %s in:%n%s", index, output).isLessThanOrEqualTo(index == CASES - 1 ? 1e-4 : 1e-5));
        // every case but the 288-wide head is one launch of the fused program, the wide GEMMs' program beside it
        assertThat(PreloadedLibrary.number(output, "fused launches")).as(output).isEqualTo(CASES - 1);
    }
}
