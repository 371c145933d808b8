package org.vil4j.opencl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/** Freeing one workspace tensor, and keep without copies, on the device. */
class FreeAndKeepTest {
    static OpenCLOps ops;

    @BeforeAll
    static void open() {
        ops = (OpenCLOps) new OpenCLBackend().open(null);
    }

    @AfterAll
    static void close() {
        ops.close();
    }

    private static Tensor up(float... values) {
        return ops.upload(Shape.of(values.length), values);
    }

    @Test
    void keepingAWholeBlockMadeAfterTheMarkCopiesNothing() {
        long outer = ops.mark();
        Tensor older = up(1, 2);
        long mark = ops.mark();
        Tensor a = up(1, 2, 3, 4);
        Tensor b = ops.add(a, a);
        Tensor c = ops.scale(b, 2);
        long copies = ops.keepCopies();
        Tensor kept = ops.keep(mark, b);
        assertThat(ops.keepCopies()).isEqualTo(copies);
        assertThat(((DeviceTensor) kept).offset()).isEqualTo(((DeviceTensor) b).offset());
        assertThat(ops.download(kept)).containsExactly(2, 4, 6, 8);
        assertThatThrownBy(() -> ops.download(a)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("released");
        assertThatThrownBy(() -> ops.download(c)).isInstanceOf(IllegalStateException.class);
        assertThat(ops.download(older)).containsExactly(1, 2);
        // a tensor made before the mark, and a column view, come back as copies
        Tensor olderKept = ops.keep(ops.mark(), older);
        assertThat(ops.download(olderKept)).containsExactly(1, 2);
        assertThat(ops.download(older)).containsExactly(1, 2);
        long viewMark = ops.mark();
        Tensor wide = ops.upload(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});
        Tensor column = ops.keep(viewMark, ops.columns(wide, 1, 2));
        assertThat(ops.download(column)).containsExactly(2, 3, 5, 6);
        assertThatThrownBy(() -> ops.download(wide)).isInstanceOf(IllegalStateException.class);
        assertThat(ops.keepCopies()).isEqualTo(copies + 2);
        ops.release(outer);
        assertThatThrownBy(() -> ops.download(kept)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void freeTakesWholeBlocksOnlyAndTheGapIsReused() {
        long mark = ops.mark();
        Tensor p = ops.upload(Shape.of(3, 64), new float[192]);
        Tensor q = up(9, 8, 7);
        Tensor view = ops.columns(p, 0, 32);
        assertThat(ops.allocationOf(view)).isEqualTo(ops.allocationOf(p));
        assertThat(ops.free(view)).as("a column view owns no memory").isFalse();
        assertThat(ops.download(p)).hasSize(192);
        Tensor flat = ops.reshape(p, Shape.of(192));
        assertThat(ops.free(flat)).isTrue();
        assertThatThrownBy(() -> ops.download(view)).isInstanceOf(IllegalStateException.class);
        long peak = ops.peakDeviceBytes();
        Tensor r = ops.upload(Shape.of(100), new float[100]);
        assertThat(((DeviceTensor) r).offset()).as("the freed gap").isEqualTo(((DeviceTensor) p).offset());
        assertThat(ops.peakDeviceBytes()).isEqualTo(peak);
        ops.releaseExcept(mark, List.of(q));
        assertThat(ops.download(q)).containsExactly(9, 8, 7);
        assertThatThrownBy(() -> ops.download(r)).isInstanceOf(IllegalStateException.class);
        ops.release(mark);
    }

    @Test
    void persistentTensorsAreNeverFreed() {
        try (OpenCLOps fresh = (OpenCLOps) new OpenCLBackend().open(null)) {
            Tensor w = fresh.parameter(Shape.of(2), new float[] {1, 2});
            assertThat(fresh.free(w)).isFalse();
            assertThat(fresh.allocationOf(w)).isEqualTo(-1);
            assertThat(fresh.download(w)).containsExactly(1, 2);
        }
    }
}
