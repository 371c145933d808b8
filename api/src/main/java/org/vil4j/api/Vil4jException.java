package org.vil4j.api;

/** Base of every error vil4j raises on purpose: its message names the file, tensor or shape at fault. */
public class Vil4jException extends RuntimeException {
    public Vil4jException(String message) {
        super(message);
    }

    public Vil4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
