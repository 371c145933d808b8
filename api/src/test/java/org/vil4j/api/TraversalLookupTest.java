package org.vil4j.api;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraversalLookupTest {
    /** A family "stride_s<S>" whose registered member is stride_s1. */
    private record Stride(int s) implements TraversalStrategy {
        @Override
        public String name() {
            return "stride_s" + s;
        }

        @Override
        public String description() {
            return "test family";
        }

        @Override
        public int[] order(int h, int w) {
            return java.util.stream.IntStream.range(0, h * w).toArray();
        }

        @Override
        public Optional<TraversalStrategy> variant(String name) {
            return name.matches("stride_s[1-9][0-9]?") ? Optional.of(new Stride(Integer.parseInt(name.substring(8))))
                    : Optional.empty();
        }
    }

    private final Plugins plugins = new Plugins(Map.of("stride_s1", new Stride(1)), Map.of(), Map.of(), Map.of());

    @Test
    void registeredNamesComeFirstThenFamilies() {
        assertThat(plugins.traversal("stride_s1")).isEqualTo(new Stride(1));
        assertThat(plugins.traversal("stride_s7")).isEqualTo(new Stride(7));
        assertThatThrownBy(() -> plugins.traversal("stride_s0")).isInstanceOf(PluginNotFoundException.class)
                .hasMessageContaining("stride_s1");
    }

    @Test
    void theImageFrameOfTheIdentityIsTheRowMajorFrame() {
        int[] identity = java.util.stream.IntStream.range(0, 35).toArray();
        assertThat(ConvolutionFrames.imageFrame(identity, 5, 7, 3)).isEqualTo(ConvolutionFrames.rowMajorFrame(5, 7, 3));
    }

    @Test
    void theImageFrameReadsSpatialNeighboursWhereverTheOrderPutsThem() {
        int[] reversed = {3, 2, 1, 0}; // 2x2 grid walked backwards
        int[] table = ConvolutionFrames.imageFrame(reversed, 2, 2, 3);
        // step 0 is cell (1,1): tap (0,0) reads cell (0,0), visited at step 3; tap (1,1) reads itself
        assertThat(table[0]).isEqualTo(3);
        assertThat(table[4]).isEqualTo(0);
        assertThat(table[8]).isEqualTo(-1);
        // the reference frame of the same order reads the rotated image instead: tap (0,0) of step 0 is padding
        assertThat(ConvolutionFrames.rowMajorFrame(2, 2, 3)[0]).isEqualTo(-1);
    }
}
