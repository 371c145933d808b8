package org.vil4j.api;

/** Float32 data on the host with its shape: what weight files and inputs hold before they go to a backend. */
public record HostTensor(Shape shape, float[] data) {
    public HostTensor {
        if (shape.sizeLong() != data.length) {
            throw new ShapeMismatchException("shape " + shape + " needs " + shape.sizeLong() + " values, got "
                    + data.length);
        }
    }
}
