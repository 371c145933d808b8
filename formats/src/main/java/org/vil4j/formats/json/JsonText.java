package org.vil4j.formats.json;

/** Writing JSON string literals, and the UTF-16 well-formedness check both the writer and the parser rely on. */
public final class JsonText {
    private JsonText() {
    }

    /** {@code text} as a quoted JSON string: quotes, backslashes and control characters escaped, the rest verbatim. */
    public static String quote(String text) {
        if (hasLoneSurrogate(text)) {
            // UTF-8 cannot encode it; Java would silently write '?' instead.
            throw new IllegalArgumentException("text contains an unpaired UTF-16 surrogate: " + text);
        }
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Whether some surrogate char is not part of a high-low pair, i.e. the text has no UTF-8 encoding. */
    public static boolean hasLoneSurrogate(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
