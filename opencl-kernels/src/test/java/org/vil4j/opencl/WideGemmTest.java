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
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;
import org.vil4j.backend.java.JavaBackend;

/**
 * The large GEMMs' own program (WideGemm): refused by name without the preloaded library's shared arena, and, in a
 * child JVM with it on this machine's OpenCL device, the GEMM-backed ops (forward projections with each epilogue,
 * batched products, split-K weight gradients, the mLSTM's scores, odd sizes) give what the java backend gives, across an arena growth
 * and interleaved with the main program's ops.
 */
class WideGemmTest {
    /** The cases below: 12 GEMM-backed ops and the mLSTM backward's five gradients. */
    private static final int CASES = 17;

    @AfterEach
    void clear() {
        System.clearProperty(WideGemm.PROPERTY);
    }

    @Test
    void askedForWithoutTheSharedArenaItIsAOneLineError() {
        System.setProperty(WideGemm.PROPERTY, "on");
        if (!LargeBuffers.available()) {
            assertThatThrownBy(() -> new OpenCLBackend().open("cpu")).isInstanceOf(BackendUnavailableException.class)
                    .hasMessageContaining("-Dvil4j.opencl.wideGemm=on needs the preloaded library");
        }
        System.setProperty(WideGemm.PROPERTY, "maybe");
        assertThatThrownBy(() -> new OpenCLBackend().open("cpu")).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("-Dvil4j.opencl.wideGemm=maybe is none of auto, on, all, off");
        System.setProperty(WideGemm.PROPERTY, "auto");
        if (!LargeBuffers.available()) {
            try (Ops ops = new OpenCLBackend().open("cpu")) {
                assertThat(((OpenCLOps) ops).wideGemmLaunches()).isZero(); // off without the library, silently
            }
        }
    }

    @Test
    void aPlainProductGoesWideOnlyWithATileForEachWorkGroup() {
        // ViL-T at batch 128 (25,216 token rows): the input gradient of the up-projection fills an H200's 264 groups,
        // the split-K weight gradient of the down-projection (192 x 768 outputs, 8 splits) does not
        assertThat(WideGemm.tiles(25_216, 192, 1)).isEqualTo(197 * 2);
        assertThat(WideGemm.tiles(192, 768, 8)).isEqualTo(2 * 6 * 8);
        assertThat(WideGemm.tiles(129, 1, 3)).isEqualTo(6);
        assertThat(WideGemm.tiles(128, 128, 1)).isEqualTo(1);
    }

    @Test
    void withTheDefaultTileBoundTheSmallPlainProductsStayInTheMainProgram(@TempDir Path dir) throws Exception {
        Path library = PreloadedLibrary.compile(dir);
        String output = PreloadedLibrary.runChild(dir, library, WideGemmTest.class, List.of("-D" + WideGemm.PROPERTY
                + "=all", "-D" + WideGemm.MIN_FLOPS_PROPERTY + "=0", "-D" + WideGemm.SCORES_PROPERTY + "=on",
                "-D" + WideGemm.MIN_TILES_PROPERTY + "=5"), Map.of("VIL4J_CL_SHARE_ARENA", "1"), 0);
        ChildCases.read(output, CASES).forEach((index, difference) -> assertThat(difference)
                .as("case %s in:%n%s", index, output).isLessThanOrEqualTo(1e-5));
        // the batched product (3 x 1 x 2 tiles) goes wide; the short weight gradient (200 x 96 outputs: 2 tiles, 300
        // rows) does not; the long one's partial products do; the mLSTM backward's five products (4 batches of at
        // least 2 x 1 tiles) do
        assertThat(PreloadedLibrary.number(output, "wide launches")).as(output).isEqualTo(15);
    }

    /** The child: each case's largest difference from the java backend, relative to the result's largest value. */
    public static void main(String[] args) {
        try (Ops cl = new OpenCLBackend().open("cpu"); Ops java = new JavaBackend().open(null)) {
            cl.setProfiling(Boolean.getBoolean("wideGemmTest.profile"));
            List<float[]> got = cases(cl), want = cases(java);
            ChildCases.print(got, want);
            System.out.println("device: " + cl.deviceName());
            System.out.println("wide launches: " + ((OpenCLOps) cl).wideGemmLaunches() + " of " + cl.kernelLaunches());
        } catch (RuntimeException e) {
            System.out.println("error: " + e);
            System.exit(3);
        }
    }

    private static List<float[]> cases(Ops ops) {
        Random random = new Random(11);
        Tensor x = ops.upload(Shape.of(300, 96), gaussian(random, 300 * 96));
        Tensor w = ops.upload(Shape.of(200, 96), gaussian(random, 200 * 96));
        Tensor b = ops.upload(Shape.of(200), gaussian(random, 200));
        Tensor r = ops.upload(Shape.of(300, 200), gaussian(random, 300 * 200));
        Tensor dy = ops.upload(Shape.of(300, 200), gaussian(random, 300 * 200));
        Tensor a3 = ops.upload(Shape.of(3, 70, 50), gaussian(random, 3 * 70 * 50));
        Tensor c3 = ops.upload(Shape.of(3, 50, 130), gaussian(random, 3 * 50 * 130));
        List<Tensor> results = new ArrayList<>();
        Tensor doubled = ops.add(x, x); // the main program, between the wide launches
        results.add(ops.linear(x, w, b));
        results.add(ops.linear(doubled, w, null));
        results.add(ops.linearAdd(x, w, b, r));
        results.add(ops.matmul(a3, c3));
        var grads = ops.linearParameterGradients(x, dy);
        results.add(grads.weight());
        results.add(grads.bias());
        // past the 16 MiB arena: it grows, and the wide program must follow it to the new buffer
        ops.upload(Shape.of(5 << 20), new float[5 << 20]);
        results.add(ops.linear(ops.add(doubled, x), w, b));
        results.add(ops.add(ops.linear(x, w, b), r));
        // the down-projection of a reversed block: product row t adds to residual row order[t] (EPI_LINEAR_RESIDUAL
        // with a row table), without a bias and with one
        int[] reversed = new int[150];
        for (int t = 0; t < 150; t++) {
            reversed[t] = 149 - t;
        }
        var order = ops.indexTable(150, 1, reversed);
        Tensor x3 = ops.reshape(x, Shape.of(2, 150, 96)), r3 = ops.reshape(r, Shape.of(2, 150, 200));
        results.add(ops.linearAdd(x3, w, null, r3, order, order, false));
        results.add(ops.linearAdd(x3, w, b, r3, order, order, false));
        // the mLSTM cell, whose score products (EPI_MLSTM_SCORES) go to the wide program: 150 tokens make a 128-row
        // tile right of the diagonal (zeros only) and tiles cut by the causal mask
        Shape qs = Shape.of(2, 150, 80), gs = Shape.of(2, 150, 2);
        results.add(ops.mlstm(ops.upload(qs, gaussian(random, 2 * 150 * 80)),
                ops.upload(qs, gaussian(random, 2 * 150 * 80)), ops.upload(qs, gaussian(random, 2 * 150 * 80)),
                ops.upload(gs, gaussian(random, 600)), ops.upload(gs, gaussian(random, 600)), 2, 1e-6f));
        // a weight gradient over 1,025 rows: with at least 5 tiles asked for, split in 3 partial products of 2 tiles
        // each in the wide program (341 rows each) and the 2 rows left in the main program
        Tensor xLong = ops.upload(Shape.of(1025, 96), gaussian(random, 1025 * 96));
        results.add(ops.linearParameterGradients(xLong, ops.upload(Shape.of(1025, 200),
                gaussian(random, 1025 * 200))).weight());
        // the mLSTM backward's per-head products (round 15): P = q k^T and G = dh v^T zero right of the diagonal
        // (EPI_CAUSAL, a 128-row tile right of it skipped), dq = dP k with dP causal (the products stop at the tile's
        // last row), dk = dP^T q and dv = G^T dh read their A by columns
        Tensor q = ops.upload(qs, gaussian(random, 2 * 150 * 80)), k = ops.upload(qs, gaussian(random, 2 * 150 * 80));
        Tensor v = ops.upload(qs, gaussian(random, 2 * 150 * 80)), dh = ops.upload(qs, gaussian(random, 2 * 150 * 80));
        var cell = ops.mlstmBackward(q, k, v, ops.upload(gs, gaussian(random, 600)),
                ops.upload(gs, gaussian(random, 600)), dh, 2, 1e-6f);
        results.addAll(List.of(cell.dq(), cell.dk(), cell.dv(), cell.digate(), cell.dfgate()));
        return results.stream().map(ops::download).toList();
    }

    private static float[] gaussian(Random random, int n) {
        return ChildCases.gaussian(random, n, 1f, 0f);
    }

    @Test
    void theWideProgramComputesWhatTheJavaBackendDoes(@TempDir Path dir) throws Exception {
        runCases(dir, Map.of("VIL4J_CL_SHARE_ARENA", "1"));
    }

    @Test
    void withoutTheHostWaitAfterEachWideLaunchTheResultsStay(@TempDir Path dir) throws Exception {
        String output = runCases(dir, Map.of("VIL4J_CL_SHARE_ARENA", "1", "VIL4J_CL_ASYNC_WIDE", "1",
                "VIL4J_CL_BUILD_LOG", "1"));
        assertThat(PreloadedLibrary.largestCount(output, "host waits after wide GEMMs skipped")).as(output)
                .isGreaterThanOrEqualTo(9);
    }

    @Test
    void aProfileWaitsForEachWideLaunchSoThatItsTimeIsItsOwn(@TempDir Path dir) throws Exception {
        String output = runCases(dir, Map.of("VIL4J_CL_SHARE_ARENA", "1", "VIL4J_CL_ASYNC_WIDE", "1",
                "VIL4J_CL_BUILD_LOG", "1"), "-DwideGemmTest.profile=true");
        assertThat(PreloadedLibrary.largestCount(output, "host waits after wide GEMMs skipped")).as(output).isZero();
    }

    private static String runCases(Path dir, Map<String, String> env, String... options) throws Exception {
        Path library = PreloadedLibrary.compile(dir);
        List<String> jvm = new java.util.ArrayList<>(List.of("-D" + WideGemm.PROPERTY + "=all",
                "-D" + WideGemm.MIN_FLOPS_PROPERTY + "=0", "-D" + WideGemm.MIN_TILES_PROPERTY + "=0",
                "-D" + WideGemm.SCORES_PROPERTY + "=on"));
        jvm.addAll(List.of(options));
        String output = PreloadedLibrary.runChild(dir, library, WideGemmTest.class, jvm, env, 0);
        ChildCases.read(output, CASES).forEach((index, difference) -> assertThat(difference)
                .as("case %s in:%n%s", index, output).isLessThanOrEqualTo(1e-5));
        // every GEMM of the cases: four projections, three residual ones, the batched product, the weight gradient,
        // the scores, the mLSTM backward's five
        assertThat(PreloadedLibrary.number(output, "wide launches")).as(output).isGreaterThanOrEqualTo(15);
        return output;
    }
}
