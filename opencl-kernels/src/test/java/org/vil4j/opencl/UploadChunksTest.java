package org.vil4j.opencl;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vil4j.opencl.OpenCLMatchesJavaTest.random;

/**
 * Large uploads a chunk at a time ({@code -Dvil4j.opencl.uploadChunkFloats}): every chunk lands where it belongs,
 * the last one short, one staging copy each, interleaved with launches that read what came before; off (0), a large
 * upload is one copy.
 */
class UploadChunksTest {
    @AfterEach
    void clear() {
        System.clearProperty(OpenCLOps.UPLOAD_CHUNK_PROPERTY);
    }

    @Test
    void aLargeUploadArrivesWholeInChunks() {
        System.setProperty(OpenCLOps.UPLOAD_CHUNK_PROPERTY, "70000");
        float[] data = random(5, 200_003, 1);
        try (OpenCLOps ops = (OpenCLOps) new OpenCLBackend().open(null)) {
            Tensor first = ops.upload(Shape.of(4), new float[]{1, 2, 3, 4});
            ops.download(ops.scale(first, 2f)); // the arena is on the device: uploads go through the staging arrays
            long before = ops.transfers;
            Tensor x = ops.upload(Shape.of(200_003), data);
            assertThat(ops.transfers - before).as("chunks of 70,000 floats").isEqualTo(3);
            float[] doubled = ops.download(ops.scale(x, 2f));
            for (int i = 0; i < data.length; i++) {
                assertThat(doubled[i]).as("element %d", i).isEqualTo(2 * data[i]);
            }
            // a second upload through the same chunk array, then both read: the first is still there
            float[] other = random(6, 150_000, 1);
            Tensor y = ops.upload(Shape.of(150_000), other);
            assertThat(ops.download(y)).containsExactly(other);
            assertThat(ops.download(x)).containsExactly(data);
        }
    }

    @Test
    void offALargeUploadIsOneCopy() {
        System.setProperty(OpenCLOps.UPLOAD_CHUNK_PROPERTY, "0");
        float[] data = random(7, 100_000, 1);
        try (OpenCLOps ops = (OpenCLOps) new OpenCLBackend().open(null)) {
            ops.download(ops.scale(ops.upload(Shape.of(2), new float[]{1, 2}), 2f));
            long before = ops.transfers;
            Tensor x = ops.upload(Shape.of(100_000), data);
            assertThat(ops.transfers - before).isEqualTo(1);
            assertThat(ops.download(x)).containsExactly(data);
        }
    }
}
