package org.vil4j.vil;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Vil4jException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reference constructors' arguments: defaults as the reference, and every bad argument named in the error. */
class VilConfigTest {
    private static Map<String, Object> micro() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("dim", 32);
        kwargs.put("depth", 2);
        kwargs.put("patch_size", 4);
        kwargs.put("input_shape", List.of(3, 16, 16));
        kwargs.put("output_shape", List.of(10));
        return kwargs;
    }

    @Test
    void defaultsFollowTheReference() {
        VilConfig c = VilConfig.fromReference("VisionLSTM2", micro());
        assertThat(c.version()).isEqualTo(VilVersion.V2);
        assertThat(c.stride()).isEqualTo(4);
        assertThat(c.convKind()).isEqualTo("2d");
        assertThat(c.traversals()).containsExactly(VilConfig.TOP_LEFT, VilConfig.BOT_RIGHT, VilConfig.TOP_LEFT,
                VilConfig.BOT_RIGHT);
        assertThat(c.mixer()).isEqualTo("mlstm");
        assertThat(c.pluginNames().get("traversal")).containsExactly(VilConfig.TOP_LEFT, VilConfig.BOT_RIGHT);
    }

    @Test
    void anUnknownArgumentIsNamed() {
        Map<String, Object> kwargs = micro();
        kwargs.put("dimension", 64);
        assertThatThrownBy(() -> VilConfig.fromReference("VisionLSTM2", kwargs)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("dimension");
    }

    @Test
    void anInputThatDoesNotTileIsRefused() {
        Map<String, Object> kwargs = micro();
        kwargs.put("input_shape", List.of(3, 18, 16));
        assertThatThrownBy(() -> VilConfig.fromReference("VisionLSTM2", kwargs)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("18x16").hasMessageContaining("patch size 4");
    }

    @Test
    void aBadInputShapeIsRefused() {
        Map<String, Object> kwargs = micro();
        kwargs.put("input_shape", List.of(16, 16));
        assertThatThrownBy(() -> VilConfig.fromReference("VisionLSTM2", kwargs)).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("input_shape");
    }

    @Test
    void anUnknownConstructorIsRefused() {
        assertThatThrownBy(() -> VilConfig.fromReference("VisionMamba", micro())).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("VisionMamba");
    }

    @Test
    void aScheduleCyclesOverTheSubBlocks() {
        VilConfig c = VilConfig.fromReference("VisionLSTM2", micro()).withTraversals(List.of("a", "b", "c"));
        assertThat(c.traversals()).containsExactly("a", "b", "c", "a");
        assertThatThrownBy(() -> c.withTraversals(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
