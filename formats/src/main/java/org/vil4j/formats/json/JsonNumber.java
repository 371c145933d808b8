package org.vil4j.formats.json;

/**
 * A JSON number kept as its literal text, so that "is this an integer?" is answered by the text itself rather than by
 * a lossy conversion (1.0, 1e2 and 2.5 are all non-integers to a safetensors header).
 */
public record JsonNumber(String literal) {
    public boolean isIntegerLiteral() {
        return literal.indexOf('.') < 0 && literal.indexOf('e') < 0 && literal.indexOf('E') < 0;
    }

    /** The value as a long; throws NumberFormatException when it is not an integer literal or does not fit. */
    public long longValueExact() {
        if (!isIntegerLiteral()) {
            throw new NumberFormatException("not an integer: " + literal);
        }
        return Long.parseLong(literal);
    }

    @Override
    public String toString() {
        return literal;
    }
}
