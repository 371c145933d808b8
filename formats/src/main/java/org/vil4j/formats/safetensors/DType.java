package org.vil4j.formats.safetensors;

import java.util.Optional;

/** The element types a safetensors header may name, with their width in bytes (all little-endian). */
public enum DType {
    F64(8, false),
    F32(4, false),
    F16(2, false),
    BF16(2, false),
    I64(8, true),
    I32(4, true),
    I16(2, true),
    I8(1, true),
    U8(1, true),
    BOOL(1, true);

    private final int byteSize;
    private final boolean integral;

    DType(int byteSize, boolean integral) {
        this.byteSize = byteSize;
        this.integral = integral;
    }

    /** Bytes one element occupies in the data buffer. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether elements are whole numbers (BOOL counts: it reads as 0 or 1), so {@code longs()} can return them exactly. */
    public boolean isIntegral() {
        return integral;
    }

    /** The header spelling of this type, e.g. {@code "F32"}. */
    public String code() {
        return name();
    }

    /** The type a header's {@code "dtype"} string names; empty for anything else (codes are case-sensitive). */
    public static Optional<DType> fromCode(String code) {
        for (DType type : values()) {
            if (type.name().equals(code)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
