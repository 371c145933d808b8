package org.vil4j.formats.torch;

import org.vil4j.formats.internal.HalfPrecision;

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
            case FLOAT16 -> HalfPrecision.f16ToFloat(little.getShort(at));
            case BFLOAT16 -> HalfPrecision.bf16ToFloat(little.getShort(at));
            case FLOAT64 -> (float) little.getDouble(at);
            case INT64 -> (float) little.getLong(at);
        };
    }
}
