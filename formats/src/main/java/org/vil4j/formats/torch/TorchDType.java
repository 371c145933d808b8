package org.vil4j.formats.torch;

import java.nio.ByteBuffer;

/** The storage element types this reader accepts, with the legacy storage class torch.save names them by. */
public enum TorchDType {
    FLOAT32("FloatStorage", 4),
    FLOAT16("HalfStorage", 2),
    BFLOAT16("BFloat16Storage", 2),
    FLOAT64("DoubleStorage", 8),
    INT64("LongStorage", 8);

    private final String storageClass;
    private final int itemSize;

    TorchDType(String storageClass, int itemSize) {
        this.storageClass = storageClass;
        this.itemSize = itemSize;
    }

    /** "FloatStorage" and so on: the name after {@code torch.} in the pickle. */
    public String storageClass() {
        return storageClass;
    }

    public int itemSize() {
        return itemSize;
    }

    static TorchDType ofStorageClass(String name) {
        for (TorchDType t : values()) {
            if (t.storageClass.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Element {@code index} of a little-endian buffer, widened or narrowed to float. */
    float read(ByteBuffer little, long index) {
        int at = Math.toIntExact(index * itemSize);
        return switch (this) {
            case FLOAT32 -> little.getFloat(at);
            case FLOAT16 -> Half.f16ToFloat(little.getShort(at));
            case BFLOAT16 -> Float.intBitsToFloat((little.getShort(at) & 0xFFFF) << 16);
            case FLOAT64 -> (float) little.getDouble(at);
            case INT64 -> (float) little.getLong(at);
        };
    }

    /** IEEE 754 binary16 to float, exact. */
    static final class Half {
        private Half() {
        }

        static float f16ToFloat(short bits) {
            int sign = (bits & 0x8000) << 16;
            int exponent = (bits >>> 10) & 0x1F;
            int mantissa = bits & 0x3FF;
            if (exponent == 0x1F) {
                return Float.intBitsToFloat(sign | 0x7F80_0000 | (mantissa << 13));
            }
            if (exponent == 0) {
                float magnitude = mantissa * 0x1p-24f;
                return sign == 0 ? magnitude : -magnitude;
            }
            return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
        }
    }
}
