package org.vil4j.formats.safetensors;

import org.vil4j.api.Vil4jException;

/** A safetensors file broke the format; the message names the file, the tensor where there is one, and the numbers. */
public class SafetensorsFormatException extends Vil4jException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
