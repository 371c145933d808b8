package org.vil4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's "Use from Java" code runs, learns, saves a model file and predicts from it. */
class UseFromJavaTest {
    @TempDir
    Path dir;

    @Test
    void trainsSavesLoadsAndPredicts() {
        UseFromJava.Result r = UseFromJava.run(dir);
        assertThat(r.losses()).hasSize(6).allMatch(l -> Double.isFinite(l));
        assertThat(r.losses().get(5)).isLessThan(r.losses().get(0));
        assertThat(r.modelFile()).isRegularFile();
        assertThat(r.predictions()).hasSize(2);
        assertThat(r.predictions().get(0).probability()).isGreaterThanOrEqualTo(r.predictions().get(1).probability());
        assertThat(r.predictions()).allMatch(p -> p.name().equals("row " + (4 * p.index() + 2)));
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        String source = Files.readString(Path.of("src/main/java/org/vil4j/examples/UseFromJava.java"));
        String code = source.substring(source.indexOf("// README:begin") + "// README:begin".length(),
                source.indexOf("// README:end"));
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Use from Java");
        assertThat(section).as("README section").isPositive();
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String block = readme.substring(start, readme.indexOf("```", start));
        assertThat(normalise(block)).containsSequence(normalise(code));
    }

    /** The lines without their indentation. */
    private static List<String> normalise(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
