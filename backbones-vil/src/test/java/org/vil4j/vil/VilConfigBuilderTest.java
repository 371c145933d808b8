package org.vil4j.vil;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Vil4jException;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VilConfigBuilderTest {
    @Test
    void defaultsAreTheReferenceConstructors() {
        assertThat(VilConfig.builder().build()).isEqualTo(VilConfig.fromReference("VisionLSTM2", Map.of()));
        assertThat(VilConfig.builder().version(VilVersion.V1).depth(24).build())
                .isEqualTo(VilConfig.fromReference("VisionLSTM", Map.of()));
    }

    @Test
    void everyFieldIsSetByName() {
        VilConfig built = VilConfig.builder().dim(16).depth(2).patchSize(4).stride(2).input(1, 28, 28).classes(10)
                .pooling("bilateral_avg").legacyNorm(true).biases(false, true).schedule("hilbert,snake_rows")
                .build();
        VilConfig expected = new VilConfig(VilVersion.V2, 16, 2, 4, 2, 1, 28, 28, 10, "bilateral_avg", true, "2d", 3,
                false, true, List.of("hilbert", "snake_rows", "hilbert", "snake_rows"), "mlstm");
        assertThat(built).isEqualTo(expected);
        assertThat(VilConfig.builder().classes(0).pooling("none").build().isClassifier()).isFalse();
    }

    @Test
    void anInvalidCombinationIsRefusedWhenBuilt() {
        assertThatThrownBy(() -> VilConfig.builder().patchSize(5).build()).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("not a multiple of the patch size 5");
    }
}
