package org.vil4j.formats.safetensors;

import org.vil4j.api.Vil4jException;

/** A tensor's values were asked for in a Java type that cannot hold its dtype exactly (e.g. floats as longs). */
public class IncompatibleDTypeException extends Vil4jException {
    public IncompatibleDTypeException(String message) {
        super(message);
    }
}
