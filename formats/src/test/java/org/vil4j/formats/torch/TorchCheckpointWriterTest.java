package org.vil4j.formats.torch;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** What the writer produces, our code-free reader reads back bit for bit, with torch's zip layout. */
class TorchCheckpointWriterTest {
    @Test
    void roundTripsNamesShapesAndBitsInOrder() {
        Random r = new Random(3);
        float[] a = new float[2 * 3 * 4];
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.intBitsToFloat(r.nextInt()); // any bit pattern, NaNs included
        }
        float[] b = new float[70000]; // a size that needs a 4-byte integer
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        byte[] bytes = new TorchCheckpointWriter().put("z.weight", Shape.of(2, 3, 4), a)
                .put("a.bias", Shape.of(70000), b).put("scalar", Shape.of(1), new float[] {-0f}).toBytes("exported");
        TorchCheckpoint ckpt = TorchCheckpoint.parse(bytes, "exported.th");
        Map<String, TorchTensor> sd = ckpt.stateDict();
        assertThat(sd.keySet()).containsExactly("z.weight", "a.bias", "scalar");
        assertThat(sd.get("z.weight").shape()).isEqualTo(Shape.of(2, 3, 4));
        float[] back = sd.get("z.weight").toFloats();
        for (int i = 0; i < a.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).isEqualTo(Float.floatToRawIntBits(a[i]));
        }
        assertThat(sd.get("a.bias").toFloats()).containsExactly(b);
        assertThat(Float.floatToRawIntBits(sd.get("scalar").toFloats()[0])).isEqualTo(0x80000000);
        assertThat(ckpt.extras()).isEmpty();
    }

    @Test
    void entriesAreStoredAndTheirDataStartAt64ByteBoundaries() {
        byte[] bytes = new TorchCheckpointWriter().put("w", Shape.of(5), new float[5])
                .put("v", Shape.of(3), new float[3]).toBytes("m");
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int offset = 0;
        List<String> names = new java.util.ArrayList<>();
        while (buf.getInt(offset) == 0x04034b50) {
            assertThat(buf.getShort(offset + 8)).as("method").isZero();
            int size = buf.getInt(offset + 18);
            int nameLength = buf.getShort(offset + 26), extra = buf.getShort(offset + 28);
            names.add(new String(bytes, offset + 30, nameLength, java.nio.charset.StandardCharsets.UTF_8));
            int data = offset + 30 + nameLength + extra;
            assertThat(data % 64).as(names.get(names.size() - 1)).isZero();
            offset = data + size;
        }
        assertThat(names).containsExactly("m/data.pkl", "m/byteorder", "m/data/0", "m/data/1", "m/version");
    }
}
