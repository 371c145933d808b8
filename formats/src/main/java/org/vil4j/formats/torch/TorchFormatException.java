package org.vil4j.formats.torch;

import org.vil4j.api.Vil4jException;

/**
 * A PyTorch checkpoint broke the format or asked for something this reader refuses (any pickle global outside the
 * tensor whitelist, compressed or out-of-bounds zip entries, tensors reaching past their storage). The message names
 * the file and what is wrong in one line.
 */
public class TorchFormatException extends Vil4jException {
    public TorchFormatException(String message) {
        super(message);
    }

    public TorchFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
