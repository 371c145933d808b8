package org.vil4j.opencl;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vil4j.api.OpProfile;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/** -Dvil4j.opencl.profileShapes: a profile's GEMMs and column reductions named with their shapes, and only then. */
class ProfileShapesTest extends DeviceWithOracle {
    @AfterEach
    void clear() {
        System.clearProperty(OpNames.SHAPES_PROPERTY);
        device.setProfiling(false);
    }

    private static List<String> profiledNames() {
        long mark = device.mark();
        try {
            device.setProfiling(true);
            Tensor x = device.upload(Shape.of(300, 96), random(1, 300 * 96, 1));
            Tensor w = device.upload(Shape.of(200, 96), random(2, 200 * 96, 1));
            Tensor dy = device.upload(Shape.of(300, 200), random(3, 300 * 200, 1));
            device.linear(x, w, null);
            device.linearParameterGradients(x, dy);
            return device.profile().stream().map(OpProfile::op).toList();
        } finally {
            device.setProfiling(false);
            device.release(mark);
        }
    }

    @Test
    void withThePropertyEachProductAndReductionCarriesItsShape() {
        System.setProperty(OpNames.SHAPES_PROPERTY, "true");
        List<String> names = profiledNames();
        // the projection x W^T reads its weight by columns; the weight gradient dy^T x its dy
        assertThat(names).contains("gemm/store 300x200x96 B^T");
        assertThat(names).anyMatch(n -> n.startsWith("gemm/store 200x96x") && n.endsWith(" A^T"));
        assertThat(names).anyMatch(n -> n.startsWith("reduce_columns ") && n.contains("x200"));
    }

    @Test
    void withoutItNamesAreTheOpKinds() {
        assertThat(profiledNames()).contains("gemm/store").allMatch(n -> !n.contains(" "));
    }
}
