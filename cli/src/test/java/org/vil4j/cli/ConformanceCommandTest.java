package org.vil4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code vil conformance} without case files: the golden folder's cases, and what it skips. */
class ConformanceCommandTest {
    @TempDir
    Path dir;

    @Test
    void runsTheGoldenFolderAndSaysWhatItSkipsAndWhy() throws IOException {
        assumeTrue(System.getenv("VIL4J_GOLDEN") == null, "VIL4J_GOLDEN is set: it is searched too");
        Path golden = dir.resolve("golden");
        Files.createDirectories(golden);
        for (String name : new String[]{"vil2-micro", "vit-micro"}) {
            for (String ext : new String[]{".safetensors", ".json"}) {
                Files.copy(CliRun.GOLDEN.resolve(name + ext), golden.resolve(name + ext));
            }
        }
        String before = System.getProperty("vil4j.golden"), external = System.getProperty("vil4j.golden.external");
        try {
            System.setProperty("vil4j.golden", golden.toString());
            System.setProperty("vil4j.golden.external", dir.resolve("nothing-here").toString());
            CliRun run = CliRun.of("conformance", "--backend", "java", "--forward-only");
            assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
            // vit-micro runs through the backbones-vit plugin (found by ServiceLoader)
            assertThat(run.out()).contains("vil2-micro (").contains("vit-micro (").doesNotContain("vit-micro skipped")
                    .contains(" 0 failed; 1 case(s) skipped");
            assertThat(run.err()).contains("skipping golden case vil2-tiny-224: vil2-tiny-224.safetensors is not in "
                    + "the repository").contains(dir.resolve("nothing-here").toString());
        } finally {
            restore("vil4j.golden", before);
            restore("vil4j.golden.external", external);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
