package org.vil4j.opencl;

import com.aparapi.Kernel;
import com.aparapi.device.OpenCLDevice;

import java.util.List;

import static org.vil4j.opencl.DeviceProgram.EPI_BIAS;
import static org.vil4j.opencl.DeviceProgram.EPI_CAUSAL;
import static org.vil4j.opencl.DeviceProgram.EPI_LINEAR_RESIDUAL;
import static org.vil4j.opencl.DeviceProgram.EPI_MLSTM_SCORES;
import static org.vil4j.opencl.DeviceProgram.EPI_STORE;

/**
 * Runs the large GEMMs in {@link WideGemmProgram}, a program of their own. It needs the preloaded library to share
 * the arena between programs (VIL4J_CL_SHARE_ARENA=1; without it each Kernel would have its own context and its own
 * copy of the arena). {@code -Dvil4j.opencl.wideGemm=}: {@code auto} (the default) takes the forward projections
 * (bias and residual epilogues), with {@code -Dvil4j.opencl.wideScores=on} also the mLSTM's score products, where
 * the library shares the arena; {@code on} the same, or a one-line error without
 * the library; {@code all} also the backward's plain products that fill the program's range with 128x128 tiles (at
 * least one tile a work-group of a launch, {@code -Dvil4j.opencl.wideGemmMinTiles}: split-K weight gradients, a few
 * hundred outputs wide, have too few tiles and stay in the main program, which made round 8's {@code all} slower in
 * training; round 14's bounded {@code all} was still slower at batch 128); {@code off} none. It takes a GEMM only
 * with an epilogue it has and at least
 * {@code -Dvil4j.opencl.wideGemmMinFlops} (default 2^32) of work: every switch of program ends one
 * execute and starts another (~0.1 ms of host work on the H200), which only a GEMM of several GFLOP wins back
 * (docs/PERFORMANCE.md, round 8).
 */
final class WideGemm {
    static final String PROPERTY = "vil4j.opencl.wideGemm";
    static final String MIN_FLOPS_PROPERTY = "vil4j.opencl.wideGemmMinFlops";
    /**
     * The fewest 128x128 output tiles of a plain product sent here (with {@code all}); default: the launch's
     * work-groups, so that none idles for want of a tile.
     */
    static final String MIN_TILES_PROPERTY = "vil4j.opencl.wideGemmMinTiles";
    /**
     * Whether the mLSTM's score products go here too: {@code on}, or {@code off} (the default: alone 11% faster on
     * the H200, but a forward no faster for the switches of programs; docs/PERFORMANCE.md, round 10).
     */
    static final String SCORES_PROPERTY = "vil4j.opencl.wideScores";

    private final SecondProgram<WideGemmProgram> program;
    private final long minFlops;
    private final long minTiles;
    private final boolean plainProducts;
    private final boolean scores;

    private WideGemm(float[] arena, int[] indexArena, OpenCLDevice device, long minFlops, boolean plainProducts) {
        // two work-groups a compute unit: at ~128 registers a work-item, as many as an NVIDIA SM holds
        this.program = new SecondProgram<>(new WideGemmProgram(arena, indexArena), device, 2,
                WideGemmProgram.WORK_GROUP, "the wide GEMM");
        this.plainProducts = plainProducts;
        this.scores = ProgramProperties.choice(SCORES_PROPERTY, "off", List.of("on", "off")).equals("on");
        this.minFlops = minFlops;
        this.minTiles = ProgramProperties.wholeNumber(MIN_TILES_PROPERTY, program.groups());
    }

    /** The wide GEMM for this device when asked for, else null; asked for without the library, a one-line error. */
    static WideGemm open(float[] arena, int[] indexArena, OpenCLDevice device) {
        String value = ProgramProperties.choice(PROPERTY, "auto", List.of("auto", "on", "all", "off"));
        boolean shared = ProgramProperties.arenaShared();
        if (value.equals("off") || value.equals("auto") && !shared) {
            return null;
        }
        if (!shared) {
            throw ProgramProperties.needsSharedArena(PROPERTY, value);
        }
        long minFlops = ProgramProperties.wholeNumber(MIN_FLOPS_PROPERTY, 1L << 32);
        return new WideGemm(arena, indexArena, device, minFlops, value.equals("all"));
    }

    /**
     * Whether this GEMM (batches of m x n outputs) goes here: an epilogue the program has and enough work; a plain or
     * causal product (A may be causal there) also enough 128x128 tiles to give each of the launch's work-groups one;
     * an epilogue of the forward's only with a dense A.
     */
    boolean takes(long flops, int epilogue, boolean causalA, int m, int n, int batches) {
        if (flops < minFlops) {
            return false;
        }
        if (epilogue == EPI_STORE || epilogue == EPI_CAUSAL) {
            // plain products, causal ones too: the mLSTM backward's per-head products (round 15)
            return plainProducts && tiles(m, n, batches) >= minTiles;
        }
        return !causalA && (epilogue == EPI_BIAS || epilogue == EPI_LINEAR_RESIDUAL
                || epilogue == EPI_MLSTM_SCORES && scores);
    }

    /**
     * The row splits of a weight gradient (heads of m x n outputs reduced over {@code rows}) that this program takes
     * with {@code all}: enough that the partial products have a tile for each work-group, each split at least 256
     * rows long; 0 where it would not take them (too little work, or too few rows to split that far).
     */
    int weightGradientSplits(int rows, int m, int n, int heads) {
        long perSplit = tiles(m, n, heads);
        if (!plainProducts || perSplit == 0 || 2L * m * n * rows * heads < minFlops) {
            return 0;
        }
        long splits = Math.max(1, (minTiles + perSplit - 1) / perSplit);
        return splits <= rows / 256 ? (int) splits : 0;
    }

    /** The 128 x 128 tiles of batches of m x n outputs. */
    static long tiles(int m, int n, int batches) {
        return (long) ((m + WideGemmProgram.TILE - 1) / WideGemmProgram.TILE)
                * ((n + WideGemmProgram.TILE - 1) / WideGemmProgram.TILE) * batches;
    }

    /**
     * Runs C = epilogue(alpha A B) now, on the arena as it is (the caller has flushed the main program's commands).
     * The arguments are those of {@link OpenCLOps#gemm}; {@code residualRows} and {@code tableStride} are the main
     * program's a23 and a24 (EPI_LINEAR_RESIDUAL).
     */
    void run(float[] arena, int[] indexArena, int m, int n, int k, int a, int aRow, int aK, int b, int bK, int bCol,
             int c, int cRow, int inner, int aOuter, int aInner, int bOuter, int bInner, int cOuter, int cInner,
             int epilogue, int e0, int e1, int e2, int residualRows, int tableStride, float alpha, boolean causalA,
             int batches) {
        WideGemmProgram p = program.kernel();
        if (p.mem != arena) {
            p.mem = arena; // the arena grew: Aparapi makes (the library shares) the new buffer at this execute
        }
        if (p.index != indexArena) {
            p.index = indexArena;
        }
        p.wgM = m; p.wgN = n; p.wgK = k;
        p.wgA = a; p.wgARow = aRow; p.wgAK = aK; p.wgB = b; p.wgBK = bK; p.wgBCol = bCol; p.wgC = c; p.wgCRow = cRow;
        p.wgInner = inner; p.wgAOuter = aOuter; p.wgAInner = aInner; p.wgBOuter = bOuter; p.wgBInner = bInner;
        p.wgCOuter = cOuter; p.wgCInner = cInner; p.wgBatches = batches;
        p.wgEpilogue = epilogue == EPI_STORE ? WideGemmProgram.EPI_STORE
                : epilogue == EPI_CAUSAL ? WideGemmProgram.EPI_CAUSAL
                : epilogue == EPI_BIAS ? WideGemmProgram.EPI_BIAS
                : epilogue == EPI_MLSTM_SCORES ? WideGemmProgram.EPI_MLSTM_SCORES : WideGemmProgram.EPI_BIAS_RESIDUAL;
        p.wgBias = epilogue == EPI_MLSTM_SCORES ? -1 : e0;
        // the scores' prefix rows: F hi, F lo and argmax as e0..e2, the input gates in the main program's a23
        p.wgFHi = e0;
        p.wgFLo = e1;
        p.wgArgmax = e2;
        p.wgGates = residualRows;
        p.wgResidual = e1;
        p.wgResidualRows = Math.max(1, residualRows);
        p.wgTable = epilogue == EPI_LINEAR_RESIDUAL ? e2 : -1;
        p.wgTableStride = tableStride;
        p.wgAlpha = alpha;
        p.wgCausalA = causalA ? 1 : 0;
        program.launch();
    }

    /** Its launches so far. */
    long launches() {
        return program.launches();
    }

    /** The program, for the profiler's device events. */
    Kernel kernel() {
        return program.kernel();
    }

    /** The profile's name of a GEMM with this (main program's) epilogue. */
    static String name(int epilogue) {
        return epilogue == EPI_STORE ? "wide_gemm/store" : epilogue == EPI_CAUSAL ? "wide_gemm/causal"
                : epilogue == EPI_BIAS ? "wide_gemm/bias"
                : epilogue == EPI_MLSTM_SCORES ? "wide_gemm/mlstm_scores" : "wide_gemm/bias_residual";
    }

    void close() {
        program.close();
    }

    /**
     * Whether the host waits for each launch of a wide program (this GEMM's, the fused mLSTM's) to end even where the
     * preloaded library would let it go on (VIL4J_CL_ASYNC_WIDE=1): on while profiling, so that a launch's time is
     * its own and not the next op's.
     */
    static void waitForEachLaunch(boolean on) {
        try {
            nativeWaitForEachLaunch(on ? 1 : 0);
        } catch (UnsatisfiedLinkError older) {
            // a library without it never skips a wait either
        }
    }

    /** Whether the preloaded library shares the arena (false for a library built before it could). */
    static boolean sharesArena() {
        try {
            return nativeSharesArena() == 1;
        } catch (UnsatisfiedLinkError older) {
            return false;
        }
    }

    private static native int nativeSharesArena();

    private static native void nativeWaitForEachLaunch(int on);
}
