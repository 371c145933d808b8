package org.vil4j.backend.java;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.ShapeMismatchException;
import org.vil4j.api.Tensor;
import org.vil4j.api.TransferStats;

/** Uploads, parameters, the workspace stack and transfer counting. */
class MemoryTest {
    private final Ops ops = new JavaBackend().open("cpu");

    @AfterEach
    void close() {
        ops.close();
    }

    @Test
    void uploadAndDownloadCopyTheValues() {
        float[] data = {1, 2, 3, 4, 5, 6};
        Tensor t = ops.upload(Shape.of(2, 3), data);
        data[0] = 99; // the upload is a copy
        float[] back = ops.download(t);
        assertThat(back).containsExactly(1, 2, 3, 4, 5, 6);
        back[1] = 99; // so is the download
        assertThat(ops.download(t)).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(t.shape()).isEqualTo(Shape.of(2, 3));
    }

    @Test
    void uploadRejectsDataOfTheWrongLength() {
        assertThatThrownBy(() -> ops.upload(Shape.of(2, 3), new float[5]))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("upload").hasMessageContaining("[2,3]");
        assertThatThrownBy(() -> ops.parameter(Shape.of(4), new float[5]))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("parameter");
    }

    @Test
    void assignReplacesParameterValuesInPlace() {
        Tensor p = ops.parameter(Shape.of(3), new float[] {1, 2, 3});
        Tensor view = ops.reshape(p, Shape.of(1, 3));
        ops.assign(p, new float[] {4, 5, 6});
        assertThat(ops.download(p)).containsExactly(4, 5, 6);
        assertThat(ops.download(view)).containsExactly(4, 5, 6);
        assertThatThrownBy(() -> ops.assign(p, new float[2]))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("assign");
        Tensor activation = ops.upload(Shape.of(3), new float[3]);
        assertThatThrownBy(() -> ops.assign(activation, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("assign");
    }

    @Test
    void reshapeSharesTheData() {
        Tensor p = ops.parameter(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});
        Tensor flat = ops.reshape(p, Shape.of(6));
        assertThat(flat.shape()).isEqualTo(Shape.of(6));
        ops.assign(p, new float[] {6, 5, 4, 3, 2, 1});
        assertThat(ops.download(flat)).containsExactly(6, 5, 4, 3, 2, 1);
        assertThatThrownBy(() -> ops.reshape(p, Shape.of(4, 2)))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("reshape").hasMessageContaining("[2,3]").hasMessageContaining("[4,2]");
    }

    @Test
    void releaseInvalidatesHandlesMadeAfterTheMark() {
        Tensor before = ops.upload(Shape.of(2), new float[] {1, 2});
        Tensor parameter = ops.parameter(Shape.of(2), new float[] {3, 4});
        long mark = ops.mark();
        Tensor after = ops.add(before, parameter);
        Tensor view = ops.reshape(after, Shape.of(1, 2));
        assertThat(ops.download(view)).containsExactly(4, 6);
        ops.release(mark);

        assertThatThrownBy(() -> ops.download(after))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("download");
        assertThatThrownBy(() -> ops.silu(view))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("silu");
        assertThatThrownBy(() -> ops.linear(before, after, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("linear");
        // what was made before the mark, and parameters, stay
        assertThat(ops.download(before)).containsExactly(1, 2);
        assertThat(ops.download(parameter)).containsExactly(3, 4);
        assertThat(ops.mark()).isEqualTo(mark);
    }

    @Test
    void reusedMemoryDoesNotRevivePreviousHandles() {
        long mark = ops.mark();
        Tensor old = ops.upload(Shape.of(4), new float[] {1, 2, 3, 4});
        ops.release(mark);
        Tensor fresh = ops.upload(Shape.of(4), new float[] {5, 6, 7, 8}); // likely the same array again
        assertThat(ops.download(fresh)).containsExactly(5, 6, 7, 8);
        assertThatThrownBy(() -> ops.download(old)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void passesOfChangingShapesReuseMemoryCorrectly() {
        Tensor w = ops.parameter(Shape.of(2, 3), new float[] {1, 1, 1, 0, 1, 0});
        for (int batch = 1; batch <= 4; batch++) {
            for (int pass = 0; pass < 3; pass++) {
                long mark = ops.mark();
                float[] x = new float[batch * 3];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i + pass;
                }
                Tensor y = ops.silu(ops.scale(ops.linear(ops.upload(Shape.of(batch, 3), x), w, null), 0f));
                assertThat(ops.download(y)).containsOnly(0f).hasSize(batch * 2);
                Tensor sum = ops.linear(ops.upload(Shape.of(batch, 3), x), w, null);
                float[] values = ops.download(sum);
                for (int r = 0; r < batch; r++) {
                    assertThat(values[2 * r]).isEqualTo(x[3 * r] + x[3 * r + 1] + x[3 * r + 2]);
                    assertThat(values[2 * r + 1]).isEqualTo(x[3 * r + 1]);
                }
                ops.release(mark);
            }
        }
    }

    @Test
    void nestedMarksReleaseInStackOrder() {
        long outer = ops.mark();
        Tensor a = ops.upload(Shape.of(1), new float[] {1});
        long inner = ops.mark();
        Tensor b = ops.scale(a, 2);
        ops.release(inner);
        assertThat(ops.download(a)).containsExactly(1);
        assertThatThrownBy(() -> ops.download(b)).isInstanceOf(IllegalStateException.class);
        ops.release(outer);
        assertThatThrownBy(() -> ops.download(a)).isInstanceOf(IllegalStateException.class);
        // the inner mark lies above the released stack now
        assertThatThrownBy(() -> ops.release(inner)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keepHandsOneValueOnAndFreesTheRest() {
        Tensor input = ops.upload(Shape.of(3), new float[] {1, 2, 3});
        long mark = ops.mark();
        Tensor doubled = ops.scale(input, 2);
        Tensor result = ops.reshape(ops.add(doubled, input), Shape.of(1, 3));
        Tensor kept = ops.keep(mark, result);

        assertThat(kept.shape()).isEqualTo(Shape.of(1, 3));
        assertThat(ops.download(kept)).containsExactly(3, 6, 9);
        assertThat(ops.mark()).isEqualTo(mark + 1);
        assertThatThrownBy(() -> ops.download(doubled)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ops.download(result))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("download");
        ops.release(mark);
        assertThatThrownBy(() -> ops.download(kept)).isInstanceOf(IllegalStateException.class);
        assertThat(ops.download(input)).containsExactly(1, 2, 3);
    }

    @Test
    void keepOfATensorOlderThanTheMarkCopiesIt() {
        Tensor parameter = ops.parameter(Shape.of(2), new float[] {7, 8});
        Tensor input = ops.upload(Shape.of(2), new float[] {1, 2});
        long mark = ops.mark();
        ops.scale(input, 3);
        Tensor keptInput = ops.keep(mark, input);
        assertThat(ops.download(keptInput)).containsExactly(1, 2);
        Tensor keptParameter = ops.keep(mark, parameter);
        assertThat(ops.download(keptParameter)).containsExactly(7, 8);
        assertThatThrownBy(() -> ops.download(keptInput)).isInstanceOf(IllegalStateException.class);
        assertThat(ops.download(input)).containsExactly(1, 2);
        ops.assign(parameter, new float[] {0, 0});
        assertThat(ops.download(keptParameter)).containsExactly(7, 8);
    }

    @Test
    void countsEveryHostCopy() {
        assertThat(ops.transfers()).isEqualTo(TransferStats.NONE);
        Tensor p = ops.parameter(Shape.of(10), new float[10]);
        ops.indexTable(2, 3, new int[] {0, 1, 2, -1, 0, 1});
        Tensor x = ops.upload(Shape.of(2, 10), new float[20]);
        TransferStats afterSetup = ops.transfers();
        assertThat(afterSetup).isEqualTo(new TransferStats(80, 0, 40 + 24, 0, 3));

        Tensor y = ops.linear(x, ops.reshape(ops.upload(Shape.of(10), new float[10]), Shape.of(1, 10)), null);
        ops.mul(y, y);
        ops.assign(p, new float[10]);
        ops.download(y);
        TransferStats delta = ops.transfers().minus(afterSetup);
        // ops themselves move nothing: only the upload, the assign and the download count
        assertThat(delta).isEqualTo(new TransferStats(40, 8, 40, 0, 3));
        assertThat(ops.transfers().totalBytes()).isEqualTo(80 + 40 + 8 + 64 + 40);
    }

    @Test
    void indexTablesAreCheckedWhenMade() {
        assertThatThrownBy(() -> ops.indexTable(2, 2, new int[3]))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("indexTable");
        assertThatThrownBy(() -> ops.indexTable(1, 2, new int[] {0, -2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-2");
        assertThat(ops.indexTable(2, 1, new int[] {1, -1}).rows()).isEqualTo(2);
    }

    @Test
    void handlesOfAnotherOpsAreRefused() {
        try (Ops other = new JavaBackend().open("cpu")) {
            Tensor foreign = other.upload(Shape.of(2), new float[2]);
            assertThatThrownBy(() -> ops.silu(foreign))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("silu");
            var foreignTable = other.indexTable(2, 1, new int[] {0, 1});
            Tensor x = ops.upload(Shape.of(1, 2, 3), new float[6]);
            assertThatThrownBy(() -> ops.gatherTokens(x, foreignTable))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gatherTokens");
        }
    }

    @Test
    void aClosedOpsRefusesWork() {
        Tensor x = ops.upload(Shape.of(2), new float[2]);
        ops.close();
        ops.close(); // closing twice is harmless
        assertThatThrownBy(() -> ops.silu(x)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> ops.upload(Shape.of(1), new float[1])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void freeEndsOneAllocationAndItsPeakIsReused() {
        Tensor before = ops.upload(Shape.of(4), new float[] {1, 2, 3, 4});
        long mark = ops.mark();
        Tensor big = ops.upload(Shape.of(1000), new float[1000]);
        Tensor flat = ops.reshape(big, Shape.of(10, 100));
        Tensor small = ops.upload(Shape.of(2), new float[] {5, 6});
        long peak = ops.peakDeviceBytes();
        assertThat(ops.allocationOf(flat)).isEqualTo(ops.allocationOf(big)).isGreaterThanOrEqualTo(mark);
        assertThat(ops.allocationOf(before)).isLessThan(mark);
        assertThat(ops.free(flat)).isTrue(); // a reshape is the whole allocation
        assertThatThrownBy(() -> ops.download(big)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("freed");
        Tensor again = ops.upload(Shape.of(1000), new float[1000]);
        assertThat(ops.peakDeviceBytes()).as("the freed array is reused, not added").isEqualTo(peak);
        ops.releaseExcept(mark, java.util.List.of(small));
        assertThatThrownBy(() -> ops.download(again)).isInstanceOf(IllegalStateException.class);
        assertThat(ops.download(small)).containsExactly(5, 6);
        assertThat(ops.download(before)).containsExactly(1, 2, 3, 4);
        Tensor p = ops.parameter(Shape.of(2), new float[] {7, 8});
        assertThat(ops.free(p)).as("parameters are never freed").isFalse();
        assertThat(ops.allocationOf(p)).isEqualTo(-1);
        ops.release(mark); // passes the freed entries
        assertThatThrownBy(() -> ops.download(small)).isInstanceOf(IllegalStateException.class);
        assertThat(ops.mark()).isEqualTo(mark);
    }
}
