package org.vil4j.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * The parallel mLSTM forward whose score tiles scan the gates themselves (EPI_MLSTM_SCORES_SCAN) against the same
 * forward with the prefix pass: the same chunks and sums, so the same bits, and one launch fewer. Lengths around the
 * 64-token tiles and the 256-token scan chunks, several heads, gates as column views, plain and nearly closed forget
 * gates (where F reaches hundreds and its hi + lo halves matter).
 */
class ScoreTileScanTest {
    static OpenCLOps device;

    @BeforeAll
    static void open() {
        device = (OpenCLOps) new OpenCLBackend().open(null);
    }

    @AfterAll
    static void close() {
        device.close();
    }

    @ParameterizedTest(name = "B={0} S={1} NH={2} DH={3} igate x{4} fgate {5}")
    @CsvSource({
            "1, 1, 1, 8, 1, 3",
            "2, 63, 3, 16, 1, 3",
            "2, 64, 4, 8, 25, -8",
            "1, 65, 2, 16, 1, 3",
            "2, 197, 4, 24, 1, 3",
            "1, 197, 3, 8, 25, -8",
            "1, 256, 2, 8, 1, 3",
            "1, 257, 2, 8, 25, -8",
            "1, 300, 1, 32, 2, 0",
            "1, 512, 2, 8, 25, -8",
            "1, 700, 1, 8, 1, 3",
    })
    void tilesThatScanGiveTheBitsOfThePrefixPass(int batch, int len, int heads, int dh, float igateScale,
                                                 float fgateShift) {
        int saved = device.scanInTileMax;
        long mark = device.mark();
        try {
            int width = heads * dh;
            Tensor qkv = device.upload(Shape.of(batch, len, 3 * width + 1), random(1, batch * len * (3 * width + 1), 1));
            float[] g = random(2, batch * len * (2 * heads + 1), 1);
            for (int r = 0; r < batch * len; r++) {
                for (int h = 0; h < heads; h++) {
                    g[r * (2 * heads + 1) + h] *= igateScale;
                    g[r * (2 * heads + 1) + heads + h] += fgateShift;
                }
            }
            Tensor gates = device.upload(Shape.of(batch, len, 2 * heads + 1), g);

            device.scanInTileMax = 0;
            long before = device.kernelLaunches();
            float[] withPass = forward(qkv, gates, width, heads);
            long passLaunches = device.kernelLaunches() - before;

            device.scanInTileMax = Integer.MAX_VALUE;
            before = device.kernelLaunches();
            float[] inTiles = forward(qkv, gates, width, heads);
            long tileLaunches = device.kernelLaunches() - before;

            assertThat(tileLaunches).isEqualTo(passLaunches - 1);
            assertThat(inTiles).hasSameSizeAs(withPass);
            for (int i = 0; i < inTiles.length; i++) {
                assertThat(Float.floatToIntBits(inTiles[i])).as("element %d: %s vs %s", i, inTiles[i], withPass[i])
                        .isEqualTo(Float.floatToIntBits(withPass[i]));
                assertThat(Float.isFinite(inTiles[i])).isTrue();
            }
        } finally {
            device.scanInTileMax = saved;
            device.release(mark);
        }
    }

    private static float[] forward(Tensor qkv, Tensor gates, int width, int heads) {
        long mark = device.mark();
        try {
            return device.download(device.mlstm(device.columns(qkv, 0, width), device.columns(qkv, width, width),
                    device.columns(qkv, 2 * width, width), device.columns(gates, 0, heads),
                    device.columns(gates, heads, heads), heads, 1e-6f));
        } finally {
            device.release(mark);
        }
    }
}
