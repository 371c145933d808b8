package org.vil4j.formats.safetensors;

import java.util.Objects;
import org.vil4j.api.Shape;

/**
 * One tensor as a safetensors header declares it. {@code begin} and {@code end} are byte offsets into the data buffer
 * that follows the header (not into the file); {@code end} is exclusive.
 */
public record TensorEntry(String name, DType dtype, Shape shape, long begin, long end) {
    public TensorEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
    }

    /** Number of bytes the tensor's data occupies. */
    public long byteLength() {
        return end - begin;
    }

    /** Number of elements the shape holds. */
    public long elementCount() {
        return shape.sizeLong();
    }
}
