package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.vil4j.api.IndexTable;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Empty index tables and empty tensors move nothing, before and after the first launch: OpenCL refuses an empty
 * buffer, and a refused staging buffer used to break every later launch of the backend.
 */
class EmptyTransfersTest {
    @Test
    void emptyTablesAndTensorsLeaveTheBackendWorking() {
        try (Ops ops = new OpenCLBackend().open(null)) {
            IndexTable before = ops.indexTable(0, 1, new int[0]);
            assertThat(before.rows()).isZero();
            Tensor x = ops.upload(Shape.of(2, 3), new float[]{1, 2, 3, 4, 5, 6});
            assertThat(ops.download(ops.scale(x, 2f))).containsExactly(2, 4, 6, 8, 10, 12);

            IndexTable after = ops.indexTable(0, 1, new int[0]);
            assertThat(after.rows()).isZero();
            assertThat(ops.download(ops.upload(Shape.of(0, 4), new float[0]))).isEmpty();
            assertThat(ops.download(ops.add(x, x))).containsExactly(2, 4, 6, 8, 10, 12);
            IndexTable order = ops.indexTable(3, 1, new int[]{2, 0, 1});
            assertThat(ops.download(ops.gatherTokens(ops.reshape(x, Shape.of(1, 2, 3)), ops.indexTable(2, 1,
                    new int[]{1, 0})))).containsExactly(4, 5, 6, 1, 2, 3);
            assertThat(order.rows()).isEqualTo(3);
        }
    }
}
