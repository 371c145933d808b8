package org.vil4j.opencl;

import com.aparapi.Kernel;
import com.aparapi.device.OpenCLDevice;

import java.util.List;

/**
 * Runs the parallel mLSTM cell in {@link FusedMlstmProgram}, a program of its own on the arena the preloaded library
 * shares (VIL4J_CL_SHARE_ARENA=1), with {@code -Dvil4j.opencl.fusedMlstm=on} (a one-line error without the library;
 * off by default: on the H200 it is not faster than the three passes it replaces, docs/PERFORMANCE.md, round 10;
 * on PoCL its barriers cost twice their time). It takes a
 * cell of at most 256 head dimensions and at least {@code -Dvil4j.opencl.fusedMlstmMinFlops} (default 2^28) of work
 * (2 Z S^2 DH): below it the three passes in the main program's queue cost less than a switch of programs (ViL-T at
 * batch 1 on the H200: 10.9 ms fused against 7.8 ms).
 */
final class FusedMlstm {
    static final String PROPERTY = "vil4j.opencl.fusedMlstm";
    static final String MIN_FLOPS_PROPERTY = "vil4j.opencl.fusedMlstmMinFlops";

    private final SecondProgram<FusedMlstmProgram> program;
    private final long minFlops;

    private FusedMlstm(float[] arena, OpenCLDevice device, long minFlops) {
        // four work-groups a compute unit, to spread the causal tiles' unequal work (~41 KB of local memory each)
        this.program = new SecondProgram<>(new FusedMlstmProgram(arena), device, 4, FusedMlstmProgram.FM_WORK_GROUP,
                "the fused mLSTM");
        this.minFlops = minFlops;
    }

    /** The fused cell for this device where it is on, else null; asked for without the library, a one-line error. */
    static FusedMlstm open(float[] arena, OpenCLDevice device) {
        String value = ProgramProperties.choice(PROPERTY, "off", List.of("on", "off"));
        if (value.equals("off")) {
            return null;
        }
        if (!ProgramProperties.arenaShared()) {
            throw ProgramProperties.needsSharedArena(PROPERTY, value);
        }
        long minFlops = ProgramProperties.wholeNumber(MIN_FLOPS_PROPERTY, 1L << 28);
        return new FusedMlstm(arena, device, minFlops);
    }

    /** Whether it takes a cell of this head size and work (2 Z S^2 DH flops). */
    boolean takes(int headDim, long flops) {
        return headDim >= 1 && headDim <= FusedMlstmProgram.FM_MAX_DH && flops >= minFlops;
    }

    /** Work-groups of a launch: the scratch holds 4 S floats for each. */
    int groups() {
        return program.groups();
    }

    /**
     * The cell now, on the arena as it is (the caller has flushed the main program's commands). Offsets into the
     * arena; q, k, v rows {@code in} apart, the gates' rows {@code gs} apart, the output's {@code outRow};
     * {@code scratch} holds {@code 4 * len * groups()} floats. {@code norm} null: h itself; else normSkipGate's
     * operands {weight or -1, residualWeight 0/1, bias or -1, skip, a, a's row stride, z, z's row stride}, with
     * {@code normEps}.
     */
    void run(float[] arena, int z, int len, int numHeads, int headDim, int q, int k, int v, int in, int ig, int fg,
             int gs, int out, int outRow, int scratch, float eps, int[] norm, float normEps) {
        FusedMlstmProgram p = program.kernel();
        if (p.mem != arena) {
            p.mem = arena; // the arena grew: Aparapi makes (the library shares) the new buffer at this execute
        }
        p.fmZ = z; p.fmS = len; p.fmNH = numHeads; p.fmDH = headDim;
        p.fmQOff = q; p.fmKOff = k; p.fmVOff = v; p.fmIn = in; p.fmIg = ig; p.fmFg = fg; p.fmGs = gs;
        p.fmOut = out; p.fmOutRow = outRow; p.fmScratch = scratch;
        p.fmScale = (float) (1.0 / Math.sqrt(headDim));
        p.fmEps = eps;
        p.fmMode = norm == null ? FusedMlstmProgram.FM_STORE : FusedMlstmProgram.FM_NORM_SKIP_GATE;
        if (norm != null) {
            p.fmW = norm[0]; p.fmResidualW = norm[1]; p.fmBias = norm[2]; p.fmSkip = norm[3];
            p.fmA = norm[4]; p.fmARow = norm[5]; p.fmZg = norm[6]; p.fmZRow = norm[7];
            p.fmNormEps = normEps;
        }
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

    void close() {
        program.close();
    }
}
