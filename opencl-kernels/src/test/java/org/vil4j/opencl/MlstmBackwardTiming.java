package org.vil4j.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.vil4j.api.MlstmForm;
import org.vil4j.api.Ops;

/**
 * Times the device mLSTM backward in each form (opt-in: {@code -Dvil4j.timing=true -Dtest=MlstmBackwardTiming}):
 * B = 1, 2 heads of 32, S = 1024 and 4096, the median of three runs after one warm-up; prints the peak device bytes.
 */
@EnabledIfSystemProperty(named = "vil4j.timing", matches = "true")
class MlstmBackwardTiming {
    @Test
    void timeTheForms() {
        for (int len : new int[]{1024, 4096}) {
            float[][] in = ChunkwiseBackwardTest.inputs(1, len, 2, 32, 2, 4);
            for (MlstmForm form : new MlstmForm[]{MlstmForm.CHUNKWISE, MlstmForm.RECURRENT, MlstmForm.PARALLEL}) {
                Ops ops = new OpenCLBackend().open(null);
                try {
                    ChunkwiseBackwardTest.gradients(ops, in, 1, len, 2, 32, form, 64);
                    long[] times = new long[3];
                    for (int i = 0; i < times.length; i++) {
                        long t0 = System.nanoTime();
                        ChunkwiseBackwardTest.gradients(ops, in, 1, len, 2, 32, form, 64);
                        times[i] = System.nanoTime() - t0;
                    }
                    java.util.Arrays.sort(times);
                    System.out.printf("mlstmBackward S=%d %s: %.1f ms, peak device %.1f MB%n", len, form.id(),
                            times[1] / 1e6, ops.peakDeviceBytes() / 1e6);
                } finally {
                    ops.close();
                }
            }
        }
    }
}
