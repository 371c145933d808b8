package org.vil4j.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShapeRequirementsTest {
    private static final Shape Q = Shape.of(2, 5, 8);
    private static final Shape GATES = Shape.of(2, 5, 4);

    @Test
    void mlstmOperandsGiveTheGatesShape() {
        assertThat(ShapeRequirements.requireMlstmOperands("mlstm", Q, Q, Q, null, GATES, GATES, 4)).isEqualTo(GATES);
        assertThat(ShapeRequirements.requireMlstmOperands("mlstmBackward", Q, Q, Q, Q, GATES, GATES, 4))
                .isEqualTo(GATES);
    }

    @Test
    void eachBadMlstmOperandIsNamed() {
        assertThatThrownBy(() -> ShapeRequirements.requireMlstmOperands("op", Shape.of(2, 8), Q, Q, null, GATES,
                GATES, 4)).isInstanceOf(ShapeMismatchException.class).hasMessage("op: q [2,8] must have rank 3");
        assertThatThrownBy(() -> ShapeRequirements.requireMlstmOperands("op", Q, Shape.of(2, 5, 4), Q, null, GATES,
                GATES, 4)).hasMessageContaining("q [2,5,8] and k [2,5,4] must have the same shape");
        assertThatThrownBy(() -> ShapeRequirements.requireMlstmOperands("op", Q, Q, Q, Shape.of(1, 5, 8), GATES,
                GATES, 4)).hasMessageContaining("and dh [1,5,8]");
        assertThatThrownBy(() -> ShapeRequirements.requireMlstmOperands("op", Q, Q, Q, null, GATES, GATES, 3))
                .hasMessage("op: 3 heads do not divide the 8 features of q [2,5,8]");
        assertThatThrownBy(() -> ShapeRequirements.requireMlstmOperands("op", Q, Q, Q, null, GATES,
                Shape.of(2, 5, 2), 4)).hasMessageContaining("fgate [2,5,2] and [B, S, NH] [2,5,4]");
    }

    @Test
    void ranksAndTrailingShapes() {
        ShapeRequirements.requireRank("op", "x", Q, 2, 3);
        assertThatThrownBy(() -> ShapeRequirements.requireRank("op", "x", Q, 2, 4))
                .hasMessage("op: x [2,5,8] must have rank 2 or 4");
        assertThat(ShapeRequirements.isTrailing(Q, Shape.of(5, 8))).isTrue();
        assertThat(ShapeRequirements.isTrailing(Q, Shape.of(2, 5))).isFalse();
        assertThat(ShapeRequirements.isTrailing(Shape.of(8), Q)).isFalse();
        assertThat(ShapeRequirements.withDim(Q, -2, 7)).isEqualTo(Shape.of(2, 7, 8));
        assertThat(ShapeRequirements.sameLeading(Q, Shape.of(2, 5, 3))).isTrue();
        assertThat(ShapeRequirements.sameLeading(Q, Shape.of(2, 6, 8))).isFalse();
    }
}
