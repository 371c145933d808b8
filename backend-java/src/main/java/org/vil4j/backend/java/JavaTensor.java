package org.vil4j.backend.java;

import org.vil4j.api.Shape;
import org.vil4j.api.Tensor;

/** A tensor of the Java backend: a shape over a row-major float array that exactly fits it. */
final class JavaTensor implements Tensor {
    private final Shape shape;
    final Storage storage;
    final JavaOps owner;

    JavaTensor(Shape shape, Storage storage, JavaOps owner) {
        if (shape.sizeLong() != storage.data.length) {
            throw new IllegalArgumentException("shape " + shape + " does not fit " + storage.data.length + " floats");
        }
        this.shape = shape;
        this.storage = storage;
        this.owner = owner;
    }

    @Override
    public Shape shape() {
        return shape;
    }

    float[] data() {
        return storage.data;
    }

    @Override
    public String toString() {
        return "JavaTensor" + shape + (storage.persistent ? " (parameter)" : "")
                + (storage.released() ? " (released)" : "");
    }
}
