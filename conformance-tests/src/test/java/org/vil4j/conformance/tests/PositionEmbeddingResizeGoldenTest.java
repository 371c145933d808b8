package org.vil4j.conformance.tests;

import org.vil4j.conformance.GoldenCase;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.vil.PositionEmbeddingResize;

/**
 * vil1-stride: the reference resizes its 4x4 position embedding to the 7x7 token grid with torch bicubic at forward
 * time, so act.pos_embed - act.patch_embed is torch's resized embedding (float64). Our load-time resize must match it.
 */
class PositionEmbeddingResizeGoldenTest {
    @Test
    void loadTimeResizeMatchesTorchOnVil1Stride() {
        GoldenCase golden = Backends.golden("vil1-stride");
        HostTensor embed = golden.parameters().get("pos_embed.embed");
        assertThat(embed.shape().dims()).containsExactly(1, 4, 4, golden.config().dim());
        double[] after = golden.expected("act.pos_embed");
        double[] before = golden.expected("act.patch_embed");
        int[] grid = golden.shape("act.pos_embed").dims(); // [B, 7, 7, dim]
        float[] resized = PositionEmbeddingResize.resize(embed, grid[1], grid[2]).data();
        double maxError = 0, maxValue = 0;
        for (int i = 0; i < resized.length; i++) { // batch element 0
            double torch = after[i] - before[i];
            maxError = Math.max(maxError, Math.abs(resized[i] - torch));
            maxValue = Math.max(maxValue, Math.abs(torch));
        }
        assertThat(maxError / maxValue).as("max error %s of max %s", maxError, maxValue).isLessThan(1e-5);
    }
}
