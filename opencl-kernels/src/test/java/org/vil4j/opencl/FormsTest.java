package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.vil4j.api.BackendUnavailableException;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** OpenCL has the parallel mLSTM form only so far: asking for another fails by name, never runs a substitute. */
class FormsTest {
    @Test
    void anotherFormThanParallelIsRefusedByName() {
        try (Ops ops = new OpenCLBackend().open("cpu")) {
            Shape shape = Shape.of(1, 3, 4), gates = Shape.of(1, 3, 1);
            Tensor x = ops.upload(shape, new float[12]);
            Tensor g = ops.upload(gates, new float[3]);
            assertThat(ops.download(ops.mlstm(x, x, x, g, g, 1, 1e-6f, MlstmForm.PARALLEL, 0))).hasSize(12);
            assertThatThrownBy(() -> ops.mlstm(x, x, x, g, g, 1, 1e-6f, MlstmForm.RECURRENT, 0))
                    .isInstanceOf(BackendUnavailableException.class)
                    .hasMessage("the opencl backend computes the mLSTM in the parallel form only, not recurrent");
        }
    }
}
