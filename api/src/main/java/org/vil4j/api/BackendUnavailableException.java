package org.vil4j.api;

/** The requested backend or device cannot run here (no OpenCL, no such device, kernel build failed). */
public class BackendUnavailableException extends Vil4jException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
