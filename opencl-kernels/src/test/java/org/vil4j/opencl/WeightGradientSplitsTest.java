package org.vil4j.opencl;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The split-K count of weight gradients: near ~256 tile-groups, and dividing the rows where one is near. */
class WeightGradientSplitsTest {
    @Test
    void aCountThatDividesTheRowsIsTakenNearTheTarget() {
        // ViL-T at batch 32: 6,272 rows; the down-projection's 18 tiles aim at 15 splits (2 rows would be left)
        assertThat(DeviceGradients.splitCount(6272, 18)).isEqualTo(16);
        assertThat(DeviceGradients.splitCount(6272, 36)).isEqualTo(8);
        // a head-wise projection's 96 head tiles aim at 3 (2 rows left): 4 divides
        assertThat(DeviceGradients.splitCount(6272, 96)).isEqualTo(4);
        // 1,576 rows, 18 tiles: the target 12 is bounded by 128-row splits; 8 is the nearest divisor below
        assertThat(DeviceGradients.splitCount(1576, 18)).isEqualTo(8);
    }

    @Test
    void withoutADivisorNearByTheTargetStays() {
        // 6,301 = 6301 is prime: nothing divides it, the target (15) stays and the rest takes its own launch
        assertThat(DeviceGradients.splitCount(6301, 18)).isEqualTo(15);
        assertThat(DeviceGradients.splitCount(100, 18)).isEqualTo(1);
        assertThat(DeviceGradients.splitCount(6272, 300)).isEqualTo(1);
    }

    @Test
    void everySplitKeepsAtLeast128RowsAndStaysWithinTwiceTheTarget() {
        for (int rows = 128; rows < 20_000; rows += 37) {
            for (int tiles = 1; tiles < 400; tiles += 7) {
                int target = Math.max(1, Math.min(rows / 128, (256 + tiles - 1) / tiles));
                int splits = DeviceGradients.splitCount(rows, tiles);
                assertThat(splits).as("rows %d, tiles %d", rows, tiles).isBetween((target + 1) / 2, 2 * target);
                assertThat(rows / splits).as("rows %d, tiles %d", rows, tiles).isGreaterThanOrEqualTo(128);
            }
        }
    }
}
