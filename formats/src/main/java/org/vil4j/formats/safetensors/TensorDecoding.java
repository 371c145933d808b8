package org.vil4j.formats.safetensors;

import org.vil4j.formats.internal.HalfPrecision;

import java.nio.ByteBuffer;

/** Converts a tensor's little-endian bytes to Java arrays; the buffer holds exactly {@code count} elements. */
final class TensorDecoding {
    private TensorDecoding() {
    }

    static float[] toFloats(ByteBuffer data, DType dtype, int count) {
        float[] out = new float[count];
        switch (dtype) {
            case F32 -> data.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) data.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = HalfPrecision.f16ToFloat(data.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = HalfPrecision.bf16ToFloat(data.getShort(i * 2));
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    out[i] = integerAt(data, dtype, i);
                }
            }
        }
        return out;
    }

    static double[] toDoubles(ByteBuffer data, DType dtype, int count) {
        double[] out = new double[count];
        switch (dtype) {
            case F64 -> data.asDoubleBuffer().get(out);
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = data.getFloat(i * 4);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = HalfPrecision.f16ToFloat(data.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = HalfPrecision.bf16ToFloat(data.getShort(i * 2));
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    out[i] = integerAt(data, dtype, i);
                }
            }
        }
        return out;
    }

    /** Only for integral dtypes ({@link DType#isIntegral()}); the caller checks. */
    static long[] toLongs(ByteBuffer data, DType dtype, int count) {
        long[] out = new long[count];
        if (dtype == DType.I64) {
            data.asLongBuffer().get(out);
            return out;
        }
        for (int i = 0; i < count; i++) {
            out[i] = integerAt(data, dtype, i);
        }
        return out;
    }

    private static long integerAt(ByteBuffer data, DType dtype, int index) {
        return switch (dtype) {
            case I64 -> data.getLong(index * 8);
            case I32 -> data.getInt(index * 4);
            case I16 -> data.getShort(index * 2);
            case I8 -> data.get(index);
            case U8 -> data.get(index) & 0xFF;
            // Any non-zero byte is true, as numpy and torch read it.
            case BOOL -> data.get(index) != 0 ? 1 : 0;
            default -> throw new IllegalStateException(dtype + " is not an integer dtype");
        };
    }
}
