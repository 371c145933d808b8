package org.vil4j.formats.json;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small RFC 8259 JSON parser that accepts nothing outside the grammar: no comments, no trailing commas, no leading
 * zeros, no unescaped control characters, no unpaired surrogates, no duplicate object keys, nothing after the value but
 * whitespace. Values come back as {@code Map<String, Object>} (key order kept), {@code List<Object>}, {@link String},
 * {@link JsonNumber}, {@link Boolean} or {@code null}.
 */
public final class StrictJsonParser {
    /** Deeper nesting than this is rejected, so hostile input cannot overflow the stack (a header needs depth 3). */
    public static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;
    private int depth;

    private StrictJsonParser(String text) {
        this.text = text;
    }

    /** Parses {@code text}, which must hold exactly one JSON value surrounded by optional whitespace. */
    public static Object parse(String text) throws JsonSyntaxException {
        StrictJsonParser parser = new StrictJsonParser(text);
        parser.skipWhitespace();
        Object value = parser.readValue();
        parser.skipWhitespace();
        if (parser.pos != text.length()) {
            throw parser.error("unexpected " + parser.describeCurrent() + " after the end of the JSON value");
        }
        return value;
    }

    private Object readValue() throws JsonSyntaxException {
        if (pos >= text.length()) {
            throw error("unexpected end of input, expected a value");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> readObject();
            case '[' -> readArray();
            case '"' -> readString();
            case 't' -> readLiteral("true", Boolean.TRUE);
            case 'f' -> readLiteral("false", Boolean.FALSE);
            case 'n' -> readLiteral("null", null);
            default -> {
                if (c == '-' || isDigit(c)) {
                    yield readNumber();
                }
                throw error("unexpected " + describeCurrent() + ", expected a value");
            }
        };
    }

    private Map<String, Object> readObject() throws JsonSyntaxException {
        enterNesting();
        pos++; // '{'
        Map<String, Object> members = new LinkedHashMap<>();
        skipWhitespace();
        if (consumeIf('}')) {
            depth--;
            return Collections.unmodifiableMap(members);
        }
        while (true) {
            skipWhitespace();
            if (pos >= text.length() || text.charAt(pos) != '"') {
                throw error("expected a string key but found " + describeCurrent());
            }
            int keyStart = pos;
            String key = readString();
            if (members.containsKey(key)) {
                throw new JsonSyntaxException("duplicate key " + JsonText.quote(key), keyStart);
            }
            skipWhitespace();
            expect(':');
            skipWhitespace();
            members.put(key, readValue());
            skipWhitespace();
            if (consumeIf('}')) {
                depth--;
                return Collections.unmodifiableMap(members);
            }
            expect(',');
        }
    }

    private List<Object> readArray() throws JsonSyntaxException {
        enterNesting();
        pos++; // '['
        List<Object> elements = new ArrayList<>();
        skipWhitespace();
        if (consumeIf(']')) {
            depth--;
            return Collections.unmodifiableList(elements);
        }
        while (true) {
            skipWhitespace();
            elements.add(readValue());
            skipWhitespace();
            if (consumeIf(']')) {
                depth--;
                return Collections.unmodifiableList(elements);
            }
            expect(',');
        }
    }

    private String readString() throws JsonSyntaxException {
        int start = pos;
        pos++; // opening quote
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw new JsonSyntaxException("unterminated string", start);
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                break;
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in string", pos - 1);
            }
            if (c == '\\') {
                out.append(readEscape());
            } else {
                out.append(c);
            }
        }
        if (JsonText.hasLoneSurrogate(out)) {
            throw new JsonSyntaxException("string escapes an unpaired UTF-16 surrogate", start);
        }
        return out.toString();
    }

    private char readEscape() throws JsonSyntaxException {
        if (pos >= text.length()) {
            throw error("unterminated escape sequence");
        }
        char c = text.charAt(pos++);
        return switch (c) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '/' -> '/';
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'u' -> readUnicodeEscape();
            default -> throw error("invalid escape sequence \\" + printable(c), pos - 2);
        };
    }

    private char readUnicodeEscape() throws JsonSyntaxException {
        if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = hexValue(text.charAt(pos + i));
            if (digit < 0) {
                throw error("invalid hex digit in \\u escape", pos + i);
            }
            value = value * 16 + digit;
        }
        pos += 4;
        return (char) value;
    }

    private JsonNumber readNumber() throws JsonSyntaxException {
        int start = pos;
        consumeIf('-');
        if (consumeIf('0')) {
            if (pos < text.length() && isDigit(text.charAt(pos))) {
                throw error("number with a leading zero", start);
            }
        } else {
            requireDigits("expected a digit in number");
        }
        if (consumeIf('.')) {
            requireDigits("expected a digit after the decimal point");
        }
        if (consumeIf('e') || consumeIf('E')) {
            if (!consumeIf('+')) {
                consumeIf('-');
            }
            requireDigits("expected a digit in the exponent");
        }
        return new JsonNumber(text.substring(start, pos));
    }

    private void requireDigits(String message) throws JsonSyntaxException {
        if (pos >= text.length() || !isDigit(text.charAt(pos))) {
            throw error(message + " but found " + describeCurrent());
        }
        while (pos < text.length() && isDigit(text.charAt(pos))) {
            pos++;
        }
    }

    private Object readLiteral(String word, Object value) throws JsonSyntaxException {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected " + describeCurrent() + ", expected a value");
        }
        pos += word.length();
        return value;
    }

    private void enterNesting() throws JsonSyntaxException {
        if (++depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private boolean consumeIf(char expected) {
        if (pos < text.length() && text.charAt(pos) == expected) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char expected) throws JsonSyntaxException {
        if (!consumeIf(expected)) {
            throw error("expected '" + expected + "' but found " + describeCurrent());
        }
    }

    private String describeCurrent() {
        return pos >= text.length() ? "end of input" : "'" + printable(text.charAt(pos)) + "'";
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7E ? String.format("U+%04X", (int) c) : String.valueOf(c);
    }

    /** The value of an ASCII hex digit, or -1 (unlike Character.digit, which also accepts non-ASCII digits). */
    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private JsonSyntaxException error(String message) {
        return new JsonSyntaxException(message, pos);
    }

    private JsonSyntaxException error(String message, int at) {
        return new JsonSyntaxException(message, at);
    }
}
