package org.vil4j.formats.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.vil4j.api.Shape;

/** Hand-made safetensors bytes for tests, including ones the writer would never produce. */
final class TestFiles {
    private TestFiles() {
    }

    /** A file whose header is exactly {@code headerJson} (no padding), followed by {@code dataLength} patterned bytes. */
    static byte[] withHeader(String headerJson, int dataLength) {
        byte[] data = new byte[dataLength];
        for (int i = 0; i < dataLength; i++) {
            data[i] = (byte) i;
        }
        return withHeader(headerJson, data);
    }

    static byte[] withHeader(String headerJson, byte[] data) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        return withLengthPrefix(header.length, concat(header, data));
    }

    /** {@code rest} behind a length prefix that may lie about it. */
    static byte[] withLengthPrefix(long declaredHeaderLength, byte[] rest) {
        ByteBuffer out = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(declaredHeaderLength).put(rest);
        return out.array();
    }

    /** Little-endian bytes of 16-bit values (for F16, BF16 and I16 data). */
    static byte[] shorts(int... values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int value : values) {
            out.putShort((short) value);
        }
        return out.array();
    }

    /** A small valid file with every writer dtype and some metadata; the seed for the fuzz test. */
    static byte[] smallValidFile() {
        return new SafetensorsWriter()
                .metadata("format", "pt")
                .putF32("weight", Shape.of(2, 3), new float[] {1f, -2f, 3.5f, 0f, 1e-3f, -7f})
                .putF64("bias", Shape.of(3), new double[] {0.25, -0.5, 1e10})
                .putI64("labels", Shape.of(2), new long[] {6, 3})
                .toBytes();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] out = new byte[first.length + second.length];
        System.arraycopy(first, 0, out, 0, first.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }
}
