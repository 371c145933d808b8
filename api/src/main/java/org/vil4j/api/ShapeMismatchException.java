package org.vil4j.api;

/** A tensor had a shape the operation or model cannot accept. */
public class ShapeMismatchException extends Vil4jException {
    public ShapeMismatchException(String message) {
        super(message);
    }
}
