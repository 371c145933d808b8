package org.vil4j.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The BOM lists every library module of the build, at the build's version. */
class BomTest {
    /** Modules that are applications, examples or test suites, not libraries to depend on. */
    private static final List<String> NOT_LIBRARIES = List.of("bom", "cli", "examples", "example-traversal-plugin",
            "fuzz-tests");

    @Test
    void everyLibraryModuleIsInTheBom() throws IOException {
        String parent = Files.readString(Path.of("..", "pom.xml"));
        String bom = Files.readString(Path.of("..", "bom", "pom.xml"));
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(parent);
        int libraries = 0;
        while (module.find()) {
            if (!NOT_LIBRARIES.contains(module.group(1))) {
                assertThat(bom).as(module.group(1)).contains("<artifactId>vil4j-" + module.group(1)
                        + "</artifactId><version>${project.version}</version>");
                libraries++;
            }
        }
        assertThat(libraries).isGreaterThanOrEqualTo(10);
        Matcher version = Pattern.compile("<artifactId>vil4j-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(parent);
        assertThat(version.find()).isTrue();
        assertThat(bom).contains("<artifactId>vil4j-bom</artifactId>\n  <version>" + version.group(1) + "</version>");
    }
}
