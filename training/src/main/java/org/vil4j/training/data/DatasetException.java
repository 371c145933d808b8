package org.vil4j.training.data;

import org.vil4j.api.Vil4jException;

/** A dataset cannot be found or read: the message names the file or folder and what is wrong with it. */
public class DatasetException extends Vil4jException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
