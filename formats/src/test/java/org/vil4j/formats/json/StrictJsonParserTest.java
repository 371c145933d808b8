package org.vil4j.formats.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class StrictJsonParserTest {
    @Test
    void parsesNestedValuesKeepingKeyOrder() throws Exception {
        Object value = StrictJsonParser.parse(
                " {\"b\": [1, -2.5e+3, 0, -0, true, false, null, {}], \"a\": {\"x\": []}, \"\": \"\"} ");

        assertThat(value).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) value;
        assertThat(root.keySet()).containsExactly("b", "a", "");
        assertThat(root.get("b")).asInstanceOf(InstanceOfAssertFactories.LIST).containsExactly(new JsonNumber("1"), new JsonNumber("-2.5e+3"),
                new JsonNumber("0"), new JsonNumber("-0"), true, false, null, Map.of());
        assertThat(root.get("a")).isEqualTo(Map.of("x", List.of()));
    }

    @Test
    void decodesEveryEscape() throws Exception {
        Object value = StrictJsonParser.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041\\u00e9\\uD83D\\uDE00 ü\"");

        assertThat(value).isEqualTo("\" \\ / \b \f \n \r \t Aé😀 ü");
    }

    @Test
    void quoteIsTheInverseOfParsing() throws Exception {
        String text = "tab\tquote\"back\\slash\u0000\u001f/😀";

        assertThat(StrictJsonParser.parse(JsonText.quote(text))).isEqualTo(text);
    }

    @Test
    void numbersKeepTheirLiteralForIntegerChecks() {
        assertThat(new JsonNumber("12").isIntegerLiteral()).isTrue();
        assertThat(new JsonNumber("12").longValueExact()).isEqualTo(12);
        assertThat(new JsonNumber("1.0").isIntegerLiteral()).isFalse();
        assertThat(new JsonNumber("1e2").isIntegerLiteral()).isFalse();
        assertThatThrownBy(() -> new JsonNumber("9223372036854775808").longValueExact())
                .isInstanceOf(NumberFormatException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "{a:1}", "{'a':1}", "{\"a\" 1}",
        "01", "-", "1.", ".5", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "tru", "nul", "True",
        "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\uD800\"", "\"\\uDC00\\uD800\"",
        "\"raw\ttab\"", "\"raw\nnewline\"", "{} {}", "[] x", "1 2", "{\"a\":1}/*c*/", "\uFEFF{}", "[1]\u00a0",
        "{\"a\":1,\"a\":2}", "\"\\u０１２３\""
    })
    void rejectsEverythingOutsideTheGrammar(String text) {
        assertThatThrownBy(() -> StrictJsonParser.parse(text))
                .as("parsing %s", Arrays.toString(text.toCharArray()))
                .isInstanceOf(JsonSyntaxException.class)
                .hasMessageContaining("at character");
    }

    @Test
    void limitsNestingDepth() throws Exception {
        int limit = StrictJsonParser.MAX_DEPTH;
        assertThat(StrictJsonParser.parse("[".repeat(limit) + "]".repeat(limit))).isInstanceOf(List.class);
        assertThatThrownBy(() -> StrictJsonParser.parse("[".repeat(limit + 1) + "]".repeat(limit + 1)))
                .isInstanceOf(JsonSyntaxException.class)
                .hasMessageContaining("nesting deeper than " + limit);
    }
}
