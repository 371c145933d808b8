package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The GEMM tiles' padding: a tile load stores each warp's 32 values into 32 different local-memory banks (32 banks of
 * 4 bytes, as on NVIDIA GPUs), whichever of A's strides is 1. Before round 16 a K row was TILE floats long, and a load
 * with K contiguous stored a warp's values into 2 banks (the main program) or 4 (the wide one): ViL-T's forward at batch
 * 256 took 8% longer on the H200 (docs/PERFORMANCE.md, Round 16). The index arithmetic is
 * {@link GemmKernels#gemmSlot}' and {@link WideGemmProgram#tile}'s.
 */
class TileBanksTest {
    private static final int BANKS = 32;
    private static final int WARP = 32;

    @Test
    void theMainProgramsTileStoresHitEveryBankOnce() {
        assertConflictFree(ProgramState.TILE, ProgramState.KSTEP, ProgramState.TILE_STRIDE, ProgramState.WORK_GROUP);
    }

    @Test
    void theWideProgramsTileStoresHitEveryBankOnce() {
        assertConflictFree(WideGemmProgram.TILE, WideGemmProgram.KSTEP, WideGemmProgram.TILE_STRIDE,
                WideGemmProgram.WORK_GROUP);
    }

    @Test
    void unpaddedTilesWouldConflict() {
        // the check itself can fail: the pre-round-16 layouts put a warp's K-contiguous stores in 2 and 4 banks
        assertThat(banksOfOneWarp(64, 16, 64, 0, true)).hasSize(2);
        assertThat(banksOfOneWarp(128, 8, 128, 0, true)).hasSize(4);
    }

    private static void assertConflictFree(int tile, int kStep, int stride, int workGroup) {
        for (int e = 0; e < kStep * tile / workGroup; e++) {
            for (int warp = 0; warp < workGroup / WARP; warp++) {
                int first = e * workGroup + warp * WARP;
                assertThat(banksOfOneWarp(tile, kStep, stride, first, true)).as("K contiguous, element %d", first)
                        .hasSize(BANKS);
                assertThat(banksOfOneWarp(tile, kStep, stride, first, false)).as("rows contiguous, element %d", first)
                        .hasSize(BANKS);
            }
        }
    }

    /** The banks one warp's stores use, its first tile element {@code first} (l = lid + e * work-group size). */
    private static Set<Integer> banksOfOneWarp(int tile, int kStep, int stride, int first, boolean kContiguous) {
        Set<Integer> banks = new HashSet<>();
        for (int l = first; l < first + WARP; l++) {
            int kk = l / tile;
            int rr = l - kk * tile;
            if (kContiguous) {
                rr = l / kStep;
                kk = l - rr * kStep;
            }
            banks.add((kk * stride + rr) % BANKS);
        }
        return banks;
    }
}
