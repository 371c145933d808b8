package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;

/** gatherTokens, addGatheredTokens, columns and concatColumns. */
class TokenOpsTest {
    private final Ops ops = new JavaBackend().open("cpu");

    @AfterEach
    void close() {
        ops.close();
    }

    /** [2, 3, 2]: token t of batch b holds (10b + t, -(10b + t)). */
    private Tensor tokens() {
        return ops.upload(Shape.of(2, 3, 2), new float[] {0, -0, 1, -1, 2, -2, 10, -10, 11, -11, 12, -12});
    }

    @Test
    void gatherTokensPermutesRowsInEveryBatch() {
        IndexTable reversed = ops.indexTable(3, 1, new int[] {2, 1, 0});
        Tensor out = ops.gatherTokens(tokens(), reversed);
        assertThat(out.shape()).isEqualTo(Shape.of(2, 3, 2));
        assertThat(ops.download(out)).containsExactly(2, -2, 1, -1, 0, -0, 12, -12, 11, -11, 10, -10);
    }

    @Test
    void gatherTokensCanPickFewerRowsOrNone() {
        IndexTable pick = ops.indexTable(2, 1, new int[] {1, -1});
        Tensor out = ops.gatherTokens(tokens(), pick);
        assertThat(out.shape()).isEqualTo(Shape.of(2, 2, 2));
        assertThat(ops.download(out)).containsExactly(1, -1, 0, 0, 11, -11, 0, 0);
    }

    @Test
    void gatherTokensShapeErrors() {
        IndexTable twoColumns = ops.indexTable(3, 2, new int[6]);
        IndexTable tooFar = ops.indexTable(3, 1, new int[] {0, 1, 3});
        assertThatThrownBy(() -> ops.gatherTokens(tokens(), twoColumns))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("gatherTokens").hasMessageContaining("one column");
        assertThatThrownBy(() -> ops.gatherTokens(tokens(), tooFar))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("entry 3").hasMessageContaining("[2,3,2]");
        assertThatThrownBy(() -> ops.gatherTokens(ops.upload(Shape.of(3), new float[3]), tooFar))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("x [3]");
    }

    @Test
    void addGatheredTokensUnpermutesAndAdds() {
        Tensor residual = ops.upload(Shape.of(2, 3, 2), new float[] {100, 100, 200, 200, 300, 300,
                400, 400, 500, 500, 600, 600});
        IndexTable index = ops.indexTable(3, 1, new int[] {2, 0, 1});
        Tensor out = ops.addGatheredTokens(residual, tokens(), index);
        assertThat(ops.download(out)).containsExactly(102, 98, 200, 200, 301, 299,
                412, 388, 510, 490, 611, 589);
        // gathering with a permutation and adding back with its inverse restores the order
        IndexTable inverse = ops.indexTable(3, 1, new int[] {1, 2, 0});
        Tensor permuted = ops.gatherTokens(tokens(), index);
        Tensor zeros = ops.upload(Shape.of(2, 3, 2), new float[12]);
        assertThat(ops.download(ops.addGatheredTokens(zeros, permuted, inverse))).containsExactly(ops.download(tokens()));
    }

    @Test
    void addGatheredTokensFromALongerBranch() {
        Tensor residual = ops.upload(Shape.of(2, 1, 2), new float[] {1, 1, 2, 2});
        IndexTable last = ops.indexTable(1, 1, new int[] {2});
        assertThat(ops.download(ops.addGatheredTokens(residual, tokens(), last))).containsExactly(3, -1, 14, -10);
    }

    @Test
    void addGatheredTokensShapeErrors() {
        Tensor residual = ops.upload(Shape.of(2, 3, 2), new float[12]);
        Tensor otherBatch = ops.upload(Shape.of(1, 3, 2), new float[6]);
        Tensor otherChannels = ops.upload(Shape.of(2, 3, 3), new float[18]);
        IndexTable index = ops.indexTable(3, 1, new int[] {0, 1, 2});
        IndexTable shortIndex = ops.indexTable(2, 1, new int[] {0, 1});
        assertThatThrownBy(() -> ops.addGatheredTokens(residual, otherBatch, index))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("addGatheredTokens: residual [2,3,2] and y [1,3,2]");
        assertThatThrownBy(() -> ops.addGatheredTokens(residual, otherChannels, index))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("y [2,3,3]");
        assertThatThrownBy(() -> ops.addGatheredTokens(residual, tokens(), shortIndex))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("2 rows");
        Tensor flat = ops.upload(Shape.of(6), new float[6]);
        assertThatThrownBy(() -> ops.addGatheredTokens(residual, flat, index))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("y [6]");
    }

    @Test
    void columnsAndConcatColumns() {
        Tensor x = ops.upload(Shape.of(2, 4), new float[] {1, 2, 3, 4, 5, 6, 7, 8});
        Tensor middle = ops.columns(x, 1, 2);
        assertThat(middle.shape()).isEqualTo(Shape.of(2, 2));
        assertThat(ops.download(middle)).containsExactly(2, 3, 6, 7);
        Tensor left = ops.columns(x, 0, 1);
        Tensor joined = ops.concatColumns(middle, left);
        assertThat(joined.shape()).isEqualTo(Shape.of(2, 3));
        assertThat(ops.download(joined)).containsExactly(2, 3, 1, 6, 7, 5);
        // splitting and joining back is the identity
        assertThat(ops.download(ops.concatColumns(ops.columns(x, 0, 3), ops.columns(x, 3, 1))))
                .containsExactly(ops.download(x));
    }

    @Test
    void columnsAndConcatShapeErrors() {
        Tensor x = ops.upload(Shape.of(2, 4), new float[8]);
        assertThatThrownBy(() -> ops.columns(x, 3, 2))
                .isInstanceOf(ShapeMismatchException.class).hasMessage("columns: [3, 5) is outside the 4 columns of x [2,4]");
        assertThatThrownBy(() -> ops.columns(x, -1, 2)).isInstanceOf(ShapeMismatchException.class);
        Tensor otherRows = ops.upload(Shape.of(3, 4), new float[12]);
        assertThatThrownBy(() -> ops.concatColumns(x, otherRows))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("concatColumns: a [2,4] and b [3,4]");
        Tensor otherRank = ops.upload(Shape.of(1, 2, 4), new float[8]);
        assertThatThrownBy(() -> ops.concatColumns(x, otherRank)).isInstanceOf(ShapeMismatchException.class);
    }
}
