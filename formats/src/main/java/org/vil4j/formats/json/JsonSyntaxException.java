package org.vil4j.formats.json;

/**
 * The header text is not the JSON {@link StrictJsonParser} accepts. Checked on purpose: the caller must turn it into a
 * safetensors format error that names the file.
 */
public final class JsonSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    JsonSyntaxException(String message, int offset) {
        super(message + " at character " + offset);
    }
}
