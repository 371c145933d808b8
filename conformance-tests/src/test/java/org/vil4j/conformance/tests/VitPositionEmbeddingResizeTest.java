package org.vil4j.conformance.tests;

import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Shape;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * backbones-vit resizes a position embedding on its own (it depends on the API only); it must give what the ViL's
 * resize gives, which the golden case vil1-stride holds to torch's bicubic.
 */
class VitPositionEmbeddingResizeTest {
    @Test
    void theVitResizeIsTorchsBicubicAsTheVilOne() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] g : new int[][]{{4, 4, 7, 7}, {14, 14, 10, 10}, {3, 5, 6, 2}, {2, 2, 1, 3}}) {
            float[] v = new float[g[0] * g[1] * 6];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextDouble(-1, 1);
            }
            HostTensor embed = new HostTensor(Shape.of(1, g[0], g[1], 6), v);
            HostTensor vit = org.vil4j.vit.PositionEmbeddingResize.resize(embed, g[2], g[3]);
            HostTensor vil = org.vil4j.vil.PositionEmbeddingResize.resize(embed, g[2], g[3]);
            assertThat(vit.shape()).isEqualTo(Shape.of(1, g[2], g[3], 6)).isEqualTo(vil.shape());
            for (int i = 0; i < vit.data().length; i++) {
                assertThat(vit.data()[i]).as("%sx%s -> %sx%s element %s", g[0], g[1], g[2], g[3], i)
                        .isCloseTo(vil.data()[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }
}
