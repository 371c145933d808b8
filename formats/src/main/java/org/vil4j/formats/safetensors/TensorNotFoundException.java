package org.vil4j.formats.safetensors;

import org.vil4j.api.Vil4jException;

/** A tensor was asked for by a name the file does not hold. */
public class TensorNotFoundException extends Vil4jException {
    public TensorNotFoundException(String message) {
        super(message);
    }
}
